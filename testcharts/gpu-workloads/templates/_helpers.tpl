{{- define "gpu.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gpu.container" -}}
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop: ["ALL"]
{{- end -}}

{{- define "gpu.pod" -}}
automountServiceAccountToken: false
securityContext:
  runAsNonRoot: true
  runAsUser: 1000
  seccompProfile:
    type: RuntimeDefault
{{- with .Values.ngcImagePullSecretName }}
imagePullSecrets:
  - name: {{ . }}
{{- end }}
{{- if or .Values.gpuProduct .Values.instanceTypeSelector }}
nodeSelector:
  {{- with .Values.gpuProduct }}
  nvidia.com/gpu.product: {{ . | quote }}
  {{- end }}
  {{- with .Values.instanceTypeSelector }}
  nvca.nvcf.nvidia.io/instance-type: {{ . | quote }}
  {{- end }}
{{- end }}
{{- if or .Values.gpuProductAffinity .Values.nodeAffinityTerms }}
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
        {{- with .Values.gpuProductAffinity }}
        - matchExpressions:
            - key: nvidia.com/gpu.product
              operator: In
              values: {{ toJson . }}
        {{- end }}
        {{- with .Values.nodeAffinityTerms }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
{{- end }}
{{- if or .Values.initGpus .Values.sidecarGpus }}
initContainers:
  {{- if .Values.initGpus }}
  - name: warmup
    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
    {{- include "gpu.container" . | nindent 4 }}
    resources:
      limits: {cpu: "1", memory: 1Gi, {{ .Values.gpuResource | quote }}: {{ .Values.initGpus }}}
  {{- end }}
  {{- if .Values.sidecarGpus }}
  - name: sidecar
    restartPolicy: Always
    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
    {{- include "gpu.container" . | nindent 4 }}
    resources:
      limits: {cpu: "1", memory: 1Gi, {{ .Values.gpuResource | quote }}: {{ .Values.sidecarGpus }}}
  {{- end }}
{{- end }}
containers:
  - name: worker
    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
    {{- include "gpu.container" . | nindent 4 }}
    {{- with .Values.env }}
    env:
      {{- range $name, $value := . }}
      - name: {{ $name }}
        value: {{ $value | quote }}
      {{- end }}
    {{- end }}
    resources:
      limits:
        cpu: "2"
        memory: 4Gi
        {{- if not (kindIs "invalid" .Values.gpuLimit) }}
        {{ .Values.gpuResource }}: {{ .Values.gpuLimit }}
        {{- end }}
      requests:
        cpu: "1"
        memory: 2Gi
        {{- if not (kindIs "invalid" .Values.gpuRequest) }}
        {{ .Values.gpuResource }}: {{ .Values.gpuRequest }}
        {{- end }}
{{- end -}}
