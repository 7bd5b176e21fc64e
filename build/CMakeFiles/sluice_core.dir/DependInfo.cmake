
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/build/models_embed.c" "CMakeFiles/sluice_core.dir/models_embed.c.o" "gcc" "CMakeFiles/sluice_core.dir/models_embed.c.o.d"
  "/work/main/src/aws/error.c" "CMakeFiles/sluice_core.dir/src/aws/error.c.o" "gcc" "CMakeFiles/sluice_core.dir/src/aws/error.c.o.d"
  "/work/main/src/core/arena.c" "CMakeFiles/sluice_core.dir/src/core/arena.c.o" "gcc" "CMakeFiles/sluice_core.dir/src/core/arena.c.o.d"
  "/work/main/src/core/buf.c" "CMakeFiles/sluice_core.dir/src/core/buf.c.o" "gcc" "CMakeFiles/sluice_core.dir/src/core/buf.c.o.d"
  "/work/main/src/core/time.c" "CMakeFiles/sluice_core.dir/src/core/time.c.o" "gcc" "CMakeFiles/sluice_core.dir/src/core/time.c.o.d"
  "/work/main/src/json/json_write.c" "CMakeFiles/sluice_core.dir/src/json/json_write.c.o" "gcc" "CMakeFiles/sluice_core.dir/src/json/json_write.c.o.d"
  "/work/main/src/json/json_parse.cc" "CMakeFiles/sluice_core.dir/src/json/json_parse.cc.o" "gcc" "CMakeFiles/sluice_core.dir/src/json/json_parse.cc.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
