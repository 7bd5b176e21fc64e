CMakeFiles/sluice_core.dir/models_embed.c.o: \
 /work/main/build/models_embed.c /usr/include/stdc-predef.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h
