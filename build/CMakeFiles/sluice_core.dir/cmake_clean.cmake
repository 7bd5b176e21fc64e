file(REMOVE_RECURSE
  "CMakeFiles/sluice_core.dir/models_embed.c.o"
  "CMakeFiles/sluice_core.dir/models_embed.c.o.d"
  "CMakeFiles/sluice_core.dir/src/aws/error.c.o"
  "CMakeFiles/sluice_core.dir/src/aws/error.c.o.d"
  "CMakeFiles/sluice_core.dir/src/core/arena.c.o"
  "CMakeFiles/sluice_core.dir/src/core/arena.c.o.d"
  "CMakeFiles/sluice_core.dir/src/core/buf.c.o"
  "CMakeFiles/sluice_core.dir/src/core/buf.c.o.d"
  "CMakeFiles/sluice_core.dir/src/core/time.c.o"
  "CMakeFiles/sluice_core.dir/src/core/time.c.o.d"
  "CMakeFiles/sluice_core.dir/src/json/json_parse.cc.o"
  "CMakeFiles/sluice_core.dir/src/json/json_parse.cc.o.d"
  "CMakeFiles/sluice_core.dir/src/json/json_write.c.o"
  "CMakeFiles/sluice_core.dir/src/json/json_write.c.o.d"
  "libsluice_core.a"
  "libsluice_core.pdb"
  "models_embed.c"
)

# Per-language clean rules from dependency scanning.
foreach(lang C CXX)
  include(CMakeFiles/sluice_core.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
