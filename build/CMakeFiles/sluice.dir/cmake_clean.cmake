file(REMOVE_RECURSE
  "CMakeFiles/sluice.dir/src/main.c.o"
  "CMakeFiles/sluice.dir/src/main.c.o.d"
  "sluice"
  "sluice.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/sluice.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
