{{- define "globalreg.image" -}}
{{- $registry := default .root.Values.components.all.image.registry .root.Values.global.imageRegistry -}}
{{- printf "%s/%s:%s" $registry .image.repository .root.Values.components.all.image.tag -}}
{{- end -}}
