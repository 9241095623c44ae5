# Read by cpack once per generator: the relocatable tarball has no /usr prefix, so it runs wherever it is
# unpacked (gesso finds share/gesso relative to its executable).
if(CPACK_GENERATOR STREQUAL "TGZ")
    set(CPACK_PACKAGING_INSTALL_PREFIX "/")
    set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)
endif()
