# Writes OUT: a C file with catalog/aws.catalog (SRC) as the NUL-terminated
# byte array sluice_catalog_text and its length sluice_catalog_len, which
# src/catalog/catalog.c parses at start-up (catalog_load).  Bytes, not a
# string literal: the text may exceed what C compilers accept in one literal.
file(READ ${SRC} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," arr "${hex}")
file(WRITE ${OUT} "#include <stddef.h>\n"
  "extern const char sluice_catalog_text[];\n"
  "extern const size_t sluice_catalog_len;\n"
  "const char sluice_catalog_text[] = {${arr}0};\n"
  "const size_t sluice_catalog_len = ${len};\n")
