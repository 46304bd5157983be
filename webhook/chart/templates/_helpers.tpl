{{/*
Names and labels. Every resource name goes through these helpers, so nameOverride/fullnameOverride
apply everywhere and no namespace is hard-coded (everything lives in .Release.Namespace).
*/}}

{{- define "chartguard-webhook.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "chartguard-webhook.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "chartguard-webhook.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "chartguard-webhook.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chartguard-webhook.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "chartguard-webhook.labels" -}}
helm.sh/chart: {{ include "chartguard-webhook.chart" . }}
{{ include "chartguard-webhook.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: admission-webhook
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "chartguard-webhook.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "chartguard-webhook.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Secret holding tls.crt / tls.key (/ ca.crt): written by cert-manager or by this chart. */}}
{{- define "chartguard-webhook.tlsSecretName" -}}
{{- printf "%s-tls" (include "chartguard-webhook.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "chartguard-webhook.tokenSecretName" -}}
{{- printf "%s-reval-token" (include "chartguard-webhook.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* "true" when helm-reval's /v1/* is served and closed with the generated token. */}}
{{- define "chartguard-webhook.revalToken" -}}
{{- if and .Values.server.revalApi.enabled (eq .Values.server.revalApi.auth "token") }}true{{ end }}
{{- end }}

{{- define "chartguard-webhook.certificateName" -}}
{{- printf "%s-serving" (include "chartguard-webhook.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "chartguard-webhook.issuerName" -}}
{{- printf "%s-selfsigned" (include "chartguard-webhook.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The DNS names the apiserver dials: <service>.<namespace>.svc (and the longer forms). */}}
{{- define "chartguard-webhook.dnsNames" -}}
{{- $svc := include "chartguard-webhook.fullname" . -}}
{{- $ns := .Release.Namespace -}}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) | toJson }}
{{- end }}

{{- define "chartguard-webhook.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if eq $tag "latest" }}
{{- fail "image.tag: 'latest' is not allowed; pin a version or set image.digest" }}
{{- end }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "chartguard-webhook.validateValues" -}}
{{- if not (has .Values.certificates.mode (list "cert-manager" "self-signed")) }}
{{- fail (printf "certificates.mode must be cert-manager or self-signed, not %q" .Values.certificates.mode) }}
{{- end }}
{{- if not (has .Values.server.revalApi.auth (list "token" "none")) }}
{{- fail (printf "server.revalApi.auth must be token or none, not %q" .Values.server.revalApi.auth) }}
{{- end }}
{{- range $kind := list "validating" "mutating" }}
{{- $w := index $.Values.webhook $kind }}
{{- if or (lt (int $w.timeoutSeconds) 1) (gt (int $w.timeoutSeconds) 30) }}
{{- fail (printf "webhook.%s.timeoutSeconds must be 1-30 (the apiserver's limit), not %v" $kind $w.timeoutSeconds) }}
{{- end }}
{{- if not (has $w.failurePolicy (list "Fail" "Ignore")) }}
{{- fail (printf "webhook.%s.failurePolicy must be Fail or Ignore, not %q" $kind $w.failurePolicy) }}
{{- end }}
{{- end }}
{{- if and .Values.podDisruptionBudget.enabled (ge (int .Values.podDisruptionBudget.minAvailable) (int .Values.replicaCount)) }}
{{- fail "podDisruptionBudget.minAvailable must be below replicaCount, or node drains block forever" }}
{{- end }}
{{- end }}

{{/*
namespaceSelector: the user's selector plus `kubernetes.io/metadata.name NotIn [...]` for the
excluded namespaces and the release namespace (the webhook must never gate its own pods).
*/}}
{{- define "chartguard-webhook.namespaceSelector" -}}
{{- $sel := deepCopy (default dict .Values.webhook.namespaceSelector) }}
{{- $excluded := uniq (append (default list .Values.webhook.excludeNamespaces) .Release.Namespace) }}
{{- $expr := default list $sel.matchExpressions }}
{{- $expr = append $expr (dict "key" "kubernetes.io/metadata.name" "operator" "NotIn" "values" $excluded) }}
{{- $_ := set $sel "matchExpressions" $expr }}
{{- toYaml $sel }}
{{- end }}

{{/*
matchConditions (CEL). The apiserver evaluates them before calling the webhook; a false one skips
the call. Guard every optional field with has(): an evaluation error under failurePolicy Fail
rejects the request.
*/}}
{{- define "chartguard-webhook.matchConditions" -}}
{{- $conditions := list }}
{{- if .Values.webhook.matchConditions.skipSystemMasters }}
{{- $conditions = append $conditions (dict "name" "not-system-masters" "expression" "!has(request.userInfo.groups) || !('system:masters' in request.userInfo.groups)") }}
{{- end }}
{{- if .Values.webhook.matchConditions.skipOwnServiceAccount }}
{{- $user := printf "system:serviceaccount:%s:%s" .Release.Namespace (include "chartguard-webhook.serviceAccountName" .) }}
{{- $conditions = append $conditions (dict "name" "not-chartguard-webhook-itself" "expression" (printf "request.userInfo.username != '%s'" $user)) }}
{{- end }}
{{- range .Values.webhook.matchConditions.extra }}
{{- $conditions = append $conditions . }}
{{- end }}
{{- if $conditions }}
matchConditions:
{{- toYaml $conditions | nindent 2 }}
{{- end }}
{{- end }}

{{/* Fields both webhook configurations share, for one webhook entry. Needs (dict "root" $ "kind" "validating"|"mutating" "caBundle" <b64 or "">). */}}
{{- define "chartguard-webhook.webhookCommon" -}}
{{- $root := .root }}
{{- $w := index $root.Values.webhook .kind }}
admissionReviewVersions: ["v1"]
sideEffects: None
failurePolicy: {{ $w.failurePolicy }}
timeoutSeconds: {{ $w.timeoutSeconds }}
matchPolicy: {{ $root.Values.webhook.matchPolicy }}
clientConfig:
  service:
    name: {{ include "chartguard-webhook.fullname" $root }}
    namespace: {{ $root.Release.Namespace }}
    path: {{ $w.path }}
    port: {{ $root.Values.service.port }}
  {{- with .caBundle }}
  caBundle: {{ . }}
  {{- end }}
namespaceSelector:
  {{- include "chartguard-webhook.namespaceSelector" $root | nindent 2 }}
{{- with $root.Values.webhook.objectSelector }}
objectSelector:
  {{- toYaml . | nindent 2 }}
{{- else }}
objectSelector: {}
{{- end }}
{{- include "chartguard-webhook.matchConditions" $root }}
{{- end }}

{{/* The workload rules: pod-bearing kinds (one pod view in chartguard) and Services. */}}
{{- define "chartguard-webhook.workloadRules" -}}
- operations: ["CREATE", "UPDATE"]
  apiGroups: [""]
  apiVersions: ["v1"]
  resources: ["pods", "replicationcontrollers", "podtemplates", "services"]
  scope: Namespaced
- operations: ["CREATE", "UPDATE"]
  apiGroups: ["apps"]
  apiVersions: ["v1"]
  resources: ["deployments", "replicasets", "statefulsets", "daemonsets"]
  scope: Namespaced
- operations: ["CREATE", "UPDATE"]
  apiGroups: ["batch"]
  apiVersions: ["v1"]
  resources: ["jobs", "cronjobs"]
  scope: Namespaced
- operations: ["CREATE", "UPDATE"]
  apiGroups: ["leaderworkerset.x-k8s.io"]
  apiVersions: ["v1"]
  resources: ["leaderworkersets"]
  scope: Namespaced
{{- end }}
