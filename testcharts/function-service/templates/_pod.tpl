{{/* A locked-down pod spec: "name" names the container, "ports" its ports, "initPorts" an init container's. */}}
{{- define "fn.pod" -}}
automountServiceAccountToken: false
securityContext:
  runAsNonRoot: true
  seccompProfile:
    type: RuntimeDefault
imagePullSecrets:
  - name: {{ .root.Values.ngcImagePullSecretName }}
{{- with .initPorts }}
initContainers:
  - name: {{ $.name }}-init
    image: {{ $.root.Values.registry }}/{{ $.name }}-init:1.0.0
    ports:
      {{- toYaml . | nindent 6 }}
    {{- include "fn.container" . | nindent 4 }}
{{- end }}
containers:
  - name: {{ .name }}
    image: {{ .root.Values.registry }}/{{ .name }}:1.0.0
    ports:
      {{- toYaml .ports | nindent 6 }}
    {{- include "fn.container" . | nindent 4 }}
{{- end -}}

{{- define "fn.container" -}}
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop: ["ALL"]
resources:
  limits:
    cpu: 250m
    memory: 256Mi
{{- end -}}
