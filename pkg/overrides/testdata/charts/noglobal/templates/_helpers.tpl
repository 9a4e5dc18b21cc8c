{{- define "noglobal.flattenedImage" -}}
{{- if (not (empty .)) }}
{{- if (not .repository) }}
{{- fail "The repository property must be defined" }}
{{- end }}
{{- printf "%s/%s:%s" (default "docker.io" .registry) .repository (default "latest" .tag) }}
{{- end }}
{{- end -}}

{{- define "noglobal.serverImage" -}}
{{- if .Values.server.image -}}
{{ include "noglobal.flattenedImage" .Values.server.image }}
{{- else -}}
{{ index .Values.server.versionImageMap .Values.server.version }}
{{- end -}}
{{- end -}}
