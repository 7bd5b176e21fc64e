# Writes OUT: a C file with every models/<service>/<version>/service-2.json
# (and its botocore service-2.sdk-extras.json, when there is one) as a
# NUL-terminated byte array plus JSON_PADDING spare bytes, and a table
# {service, text, len, extras, extras_len} that src/aws/model.c walks.
file(GLOB models ${SRC}/*/*/service-2.json)
set(body "#include <stddef.h>\nstruct embedded_model { const char *service; const char *text; size_t len;\n  const char *extras; size_t extras_len; };\n")
set(table "")
set(pad "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0")
set(i 0)
# Appends `static const char <var>[] = {bytes of file, 0 x 65};` to body and
# sets <var>_len in the caller.
macro(embed_file file var)
  file(READ ${file} hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR ${var}_len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," arr "${hex}")
  string(APPEND body "static const char ${var}[] = {${arr}${pad}};\n")
endmacro()
foreach(m ${models})
  get_filename_component(verdir ${m} DIRECTORY)
  get_filename_component(svcdir ${verdir} DIRECTORY)
  get_filename_component(svc ${svcdir} NAME)
  embed_file(${m} model_${i})
  set(extras "0, 0")
  if(EXISTS ${verdir}/service-2.sdk-extras.json)
    embed_file(${verdir}/service-2.sdk-extras.json model_${i}_extras)
    set(extras "model_${i}_extras, ${model_${i}_extras_len}")
  endif()
  string(APPEND table "  {\"${svc}\", model_${i}, ${model_${i}_len}, ${extras}},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND body "const struct embedded_model embedded_models[] = {\n${table}  {0, 0, 0, 0, 0}\n};\n")
file(WRITE ${OUT} "${body}")
