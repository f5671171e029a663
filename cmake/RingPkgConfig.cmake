# SPDX-License-Identifier: MIT
# ring_pkg_config(NAME LIBRARY DESCRIPTION_SUFFIX): writes NAME.pc for
# -lLIBRARY from cmake/ring.pc.in and installs it into LIBDIR/pkgconfig.
#
# Relocatable by default: prefix is derived from ${pcfiledir}, the
# directory pkg-config found the file in, and every other path is written
# relative to ${prefix}, so a tree installed with `cmake --install
# --prefix`, or moved afterwards, still works. An absolute
# CMAKE_INSTALL_LIBDIR or INCLUDEDIR stays absolute (it does not move with
# the prefix). RING_RELOCATABLE_PC=OFF writes absolute paths throughout,
# as a distribution installing into /usr wants: pkg-config leaves out the
# system directories only when they are spelled as such.

set(RING_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(RING_RELOCATABLE_PC AND NOT IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  # From LIBDIR/pkgconfig back up to the prefix: "../.." for lib/pkgconfig.
  file(RELATIVE_PATH ring_pc_up /prefix/${RING_PC_DIR} /prefix)
  string(REGEX REPLACE "/$" "" ring_pc_up "${ring_pc_up}")
  set(RING_PC_PREFIX "\${pcfiledir}/${ring_pc_up}")
  set(RING_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
    set(RING_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
  else()
    set(RING_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
  endif()
else()
  set(RING_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(RING_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(RING_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
endif()

function(ring_pkg_config name library description_suffix)
  set(RING_PC_NAME ${name})
  set(RING_PC_LIBRARY ${library})
  set(RING_PC_DESCRIPTION "${PROJECT_DESCRIPTION}${description_suffix}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/ring.pc.in
                 ${PROJECT_BINARY_DIR}/${name}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${name}.pc DESTINATION ${RING_PC_DIR})
endfunction()
