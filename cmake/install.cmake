# install() rules and the exported package, so find_package(tls13 REQUIRED) works from a prefix.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TLS13_INSTALL_TARGETS tls13_core)
if(TARGET tls13_redis)
  list(APPEND TLS13_INSTALL_TARGETS tls13_redis)
endif()
if(TARGET tls13_asio)
  list(APPEND TLS13_INSTALL_TARGETS tls13_asio)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/asio/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
install(TARGETS ${TLS13_INSTALL_TARGETS} EXPORT tls13Targets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT tls13Targets NAMESPACE tls13:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tls13)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tls13Config.cmake.in
  ${PROJECT_BINARY_DIR}/tls13Config.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tls13)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tls13ConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tls13Config.cmake ${PROJECT_BINARY_DIR}/tls13ConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tls13)
