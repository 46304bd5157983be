{{/* A pod spec every pod security rule accepts, so only allowed-kinds has something to say. */}}
{{- define "kinds.pod" -}}
automountServiceAccountToken: false
securityContext:
  runAsNonRoot: true
  seccompProfile:
    type: RuntimeDefault
containers:
  - name: main
    image: {{ .Values.image }}
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop: ["ALL"]
    resources:
      limits:
        cpu: 100m
        memory: 128Mi
imagePullSecrets:
  - name: {{ .Values.ngcImagePullSecretName }}
{{- end -}}
