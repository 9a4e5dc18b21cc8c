{{- define "platform.image" -}}
{{- $registry := .global.imageRegistry | default .image.registry -}}
{{- $tag := .image.tag | default .appVersion -}}
{{- if .image.digest -}}
{{ printf "%s/%s:%s@%s" $registry .image.repository $tag .image.digest }}
{{- else -}}
{{ printf "%s/%s:%s" $registry .image.repository $tag }}
{{- end -}}
{{- end -}}
