# Packages: .deb, .rpm and .tar.gz on Linux; NSIS on Windows and DragNDrop on macOS are configured as far as
# they can be without those systems. Build with `cpack` in the build folder (see packaging/README.md).
set(CPACK_PACKAGE_NAME "gesso")
set(CPACK_PACKAGE_VENDOR "The Gesso developers")
set(CPACK_PACKAGE_CONTACT "The Gesso developers <packaging@gesso.example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "painting program with Stable Diffusion generation")
set(CPACK_PACKAGE_DESCRIPTION "Gesso is a painting program built around latent diffusion: paint on a
layered canvas, paint a mask, type a prompt and generate with Stable Diffusion
1.x, 2.x and XL on the GPU or CPU (txt2img, img2img, inpainting), with every
denoising step shown live. Includes gesso-cli, the headless command line.")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://gesso.example.org/")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGE_INSTALL_DIRECTORY "Gesso")
set(CPACK_PACKAGE_EXECUTABLES "gesso" "Gesso")
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/build.*/;/\\\\.git/")

if(WIN32)
    set(CPACK_GENERATOR "NSIS;ZIP")
    set(CPACK_NSIS_DISPLAY_NAME "Gesso")
    set(CPACK_NSIS_MUI_ICON "${PROJECT_SOURCE_DIR}/resources/icons/gesso.ico")
    set(CPACK_NSIS_CREATE_ICONS_EXTRA "CreateShortCut '$SMPROGRAMS\\\\$STARTMENU_FOLDER\\\\Gesso.lnk' '$INSTDIR\\\\bin\\\\gesso.exe'")
    set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
elseif(APPLE)
    set(CPACK_GENERATOR "DragNDrop")
    set(CPACK_DMG_VOLUME_NAME "Gesso")
else()
    set(CPACK_GENERATOR "DEB;RPM;TGZ")
    # System packages install under /usr; the tarball keeps bin/ and share/ at its top (see the file below).
    set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
    set(CPACK_PROJECT_CONFIG_FILE "${CMAKE_CURRENT_LIST_DIR}/CPackProjectConfig.cmake")

    set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
    set(CPACK_DEBIAN_PACKAGE_SECTION "graphics")
    set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
    # Library dependencies are computed from the binaries; OpenBLAS is added by hand because libtorch reaches
    # it only through the libblas.so.3 alternative, and the reference BLAS is 30-60x slower.
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
    # The SQLite driver of QtSql is a plugin loaded at run time: the shlibs scan cannot see it.
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-pthread, libqt6sql6-sqlite")
    set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "shared-mime-info, hicolor-icon-theme")
    set(CPACK_DEBIAN_COMPRESSION_TYPE "xz")

    set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
    set(CPACK_RPM_PACKAGE_LICENSE "MIT")
    set(CPACK_RPM_PACKAGE_GROUP "Applications/Multimedia")
    set(CPACK_RPM_PACKAGE_AUTOREQ ON)
    set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
        /usr/share/applications /usr/share/icons /usr/share/icons/hicolor /usr/share/metainfo /usr/share/mime
        /usr/share/mime/packages /usr/share/man /usr/share/man/man1 /usr/share/doc)
endif()

include(CPack)
