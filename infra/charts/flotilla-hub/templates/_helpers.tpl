{{- define "flotilla-hub.fullname" -}}
{{- if contains "flotilla-hub" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-flotilla-hub" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "flotilla-hub.chartLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: flotilla
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "flotilla-hub.labels" -}}
app.kubernetes.io/name: flotilla-control-plane
{{ include "flotilla-hub.chartLabels" . }}
{{- end -}}

{{- define "flotilla-hub.selectorLabels" -}}
app.kubernetes.io/name: flotilla-control-plane
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "flotilla-hub.natsLabels" -}}
app.kubernetes.io/name: flotilla-nats
{{ include "flotilla-hub.chartLabels" . }}
{{- end -}}

{{- define "flotilla-hub.natsSelectorLabels" -}}
app.kubernetes.io/name: flotilla-nats
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "flotilla-hub.nats" -}}
{{- printf "%s-nats" (include "flotilla-hub.fullname" .) -}}
{{- end -}}

{{- define "flotilla-hub.secretName" -}}
{{- default (include "flotilla-hub.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{- define "flotilla-hub.serviceAccountName" -}}
{{- default (include "flotilla-hub.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* host:port of NATS pod i's port, in-cluster DNS through the headless Service. */}}
{{- define "flotilla-hub.natsPodHost" -}}
{{- $nats := include "flotilla-hub.nats" .root -}}
{{- printf "%s-%d.%s-headless.%s.svc.%s" $nats .i $nats .root.Release.Namespace .root.Values.nats.clusterDomain -}}
{{- end -}}

{{/* NATS_URL: the natsUrl value, else every pod of the chart's NATS cluster (clients fail over). */}}
{{- define "flotilla-hub.natsUrl" -}}
{{- if .Values.natsUrl -}}
{{- .Values.natsUrl -}}
{{- else if .Values.nats.enabled -}}
{{- $urls := list -}}
{{- range $i := until (int .Values.nats.replicas) -}}
{{- $urls = append $urls (printf "nats://%s:4222" (include "flotilla-hub.natsPodHost" (dict "root" $ "i" $i))) -}}
{{- end -}}
{{- join "," $urls -}}
{{- else -}}
{{- fail "natsUrl is required when nats.enabled is false" -}}
{{- end -}}
{{- end -}}

{{/* Pod labels: no chart version, so a chart upgrade that changes nothing else restarts no pod. */}}
{{- define "flotilla-hub.podLabels" -}}
{{ include "flotilla-hub.selectorLabels" . }}
app.kubernetes.io/part-of: flotilla
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "flotilla-hub.natsPodLabels" -}}
{{ include "flotilla-hub.natsSelectorLabels" . }}
app.kubernetes.io/part-of: flotilla
{{- end -}}
