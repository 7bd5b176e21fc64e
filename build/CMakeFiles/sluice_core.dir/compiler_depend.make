# Empty compiler generated dependencies file for sluice_core.
# This may be replaced when dependencies are built.
