{{- define "digests.image" -}}
{{- $registry := .image.registry | default .global.image.registry -}}
{{- printf "%s/%s:%s" $registry .image.image .image.tag -}}
{{- if .image.digest -}}@{{ .image.digest }}{{- end -}}
{{- end -}}
