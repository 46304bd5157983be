"""helm-reval's checks as chartguard rules, one module per check, with helm-reval's exact messages.

``chartguard lint CHART --profile reval-default`` runs them as helm-reval's Default policy does
(``reval-unrestricted``: decoding and types only); ``chartguard.helmreval.validate`` collects the
same messages. The finding's detail is helm-reval's message.
"""

from __future__ import annotations

from . import (
    automount_token,
    container_image,
    decode,
    host_namespaces,
    host_ports,
    object_types,
    security_context,
    service_type,
    target_service,
    volumes,
)

#: Decoding and the type allowlist: every helm-reval policy.
RELEASE_RULES = (decode.RULE, object_types.RULE)
#: The Default policy's object rules (helm-reval's ``validateReleaseObjects``).
OBJECT_RULES = (
    container_image.RULE,
    host_namespaces.RULE,
    automount_token.RULE,
    security_context.RULE,
    host_ports.RULE,
    volumes.RULE,
    service_type.RULE,
    target_service.RULE,
)
RULES = (*RELEASE_RULES, *OBJECT_RULES)
