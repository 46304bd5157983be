"""Rules about the NVCF function definition (``--function``/``--deployment``, ``--service-name``,
``--inference-port``) and NGC pull secrets, one module per rule; rules whose facts are not given
do not report."""

from __future__ import annotations

from . import (
    config_read_only,
    function_service,
    helm_chart_url,
    image_pull_secret_empty,
    image_pull_secret_reference,
    image_registry,
    inference_port_reserved,
    ngc_pull_secret_key,
)

RULES = (
    function_service.RULE,
    inference_port_reserved.RULE,
    helm_chart_url.RULE,
    image_registry.RULE,
    ngc_pull_secret_key.RULE,
    image_pull_secret_reference.RULE,
    image_pull_secret_empty.RULE,
    config_read_only.RULE,
)
