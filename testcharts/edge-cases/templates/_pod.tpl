{{/* A locked-down pod spec for the workload kinds; "name" picks the container name. */}}
{{- define "edge.pod" -}}
automountServiceAccountToken: false
securityContext:
  runAsNonRoot: true
  seccompProfile:
    type: RuntimeDefault
containers:
  - name: {{ .name }}
    image: registry.example.com:5000/myorg/{{ .name }}:2.0.1
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop: ["ALL"]
    resources:
      limits:
        cpu: 250m
        memory: 256Mi
{{- end -}}
