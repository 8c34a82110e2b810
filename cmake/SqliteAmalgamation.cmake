# Fetches the SQLite amalgamation for the wasm build at configure time: pinned version,
# SHA-256 checked, cached under TRAILPACK_CACHE_DIR, never committed.
#
# Debian ships no amalgamation; the npm registry does, inside the better-sqlite3 package
# (deps/sqlite3/sqlite3.c and sqlite3.h). Only those two files are extracted.
set(TRAILPACK_SQLITE_NPM_PACKAGE "better-sqlite3")
set(TRAILPACK_SQLITE_NPM_VERSION "12.4.1")    # ships SQLite 3.50.4
set(TRAILPACK_SQLITE_TARBALL_SHA256 "14398acbf00d1e8fe0a2753df7d4f15c13138e4b874f4e6e96791f65b4536d0d")

set(_tp_tarball "${TRAILPACK_CACHE_DIR}/${TRAILPACK_SQLITE_NPM_PACKAGE}-${TRAILPACK_SQLITE_NPM_VERSION}.tgz")
set(_tp_sqlite_dir "${TRAILPACK_CACHE_DIR}/sqlite-${TRAILPACK_SQLITE_NPM_VERSION}")

if(NOT EXISTS "${_tp_sqlite_dir}/sqlite3.c")
  if(EXISTS "${_tp_tarball}")
    file(SHA256 "${_tp_tarball}" _tp_have)
    if(NOT _tp_have STREQUAL TRAILPACK_SQLITE_TARBALL_SHA256)
      message(STATUS "Cached ${_tp_tarball} has the wrong SHA-256; fetching again")
      file(REMOVE "${_tp_tarball}")
    endif()
  endif()
  if(NOT EXISTS "${_tp_tarball}")
    set(_tp_url "${TRAILPACK_NPM_REGISTRY}/${TRAILPACK_SQLITE_NPM_PACKAGE}/-/${TRAILPACK_SQLITE_NPM_PACKAGE}-${TRAILPACK_SQLITE_NPM_VERSION}.tgz")
    message(STATUS "Fetching the SQLite amalgamation from ${_tp_url}")
    file(DOWNLOAD "${_tp_url}" "${_tp_tarball}"
         EXPECTED_HASH SHA256=${TRAILPACK_SQLITE_TARBALL_SHA256}
         STATUS _tp_status TLS_VERIFY ON)
    list(GET _tp_status 0 _tp_code)
    if(NOT _tp_code EQUAL 0)
      file(REMOVE "${_tp_tarball}")
      message(FATAL_ERROR "Could not fetch the SQLite amalgamation: ${_tp_status}")
    endif()
  endif()
  set(_tp_tmp "${TRAILPACK_CACHE_DIR}/sqlite-extract-tmp")
  file(REMOVE_RECURSE "${_tp_tmp}")
  file(ARCHIVE_EXTRACT INPUT "${_tp_tarball}" DESTINATION "${_tp_tmp}"
       PATTERNS "package/deps/sqlite3/sqlite3.c" "package/deps/sqlite3/sqlite3.h")
  file(MAKE_DIRECTORY "${_tp_sqlite_dir}")
  file(RENAME "${_tp_tmp}/package/deps/sqlite3/sqlite3.h" "${_tp_sqlite_dir}/sqlite3.h")
  file(RENAME "${_tp_tmp}/package/deps/sqlite3/sqlite3.c" "${_tp_sqlite_dir}/sqlite3.c")
  file(REMOVE_RECURSE "${_tp_tmp}")
endif()

add_library(trailpack_sqlite3 STATIC "${_tp_sqlite_dir}/sqlite3.c")
target_include_directories(trailpack_sqlite3 SYSTEM PUBLIC "${_tp_sqlite_dir}")
# A single-connection, single-threaded engine in a Worker: no mutexes, no extensions,
# no mmap (wasm has none); the OPFS VFS is registered by player/wasm.
# The engine's SQL is plain tables, indexes, upserts and pragmas (player/src/store.cpp), so
# the wasm leaves out what it never uses. Only OMIT options that do not change the SQL
# grammar are used: the amalgamation's parser is pre-generated, and grammar-changing OMITs
# (window functions, EXPLAIN, virtual tables, ...) need SQLite's canonical sources.
target_compile_definitions(trailpack_sqlite3 PRIVATE
  SQLITE_THREADSAFE=0
  SQLITE_OMIT_LOAD_EXTENSION
  SQLITE_OMIT_DEPRECATED
  SQLITE_OMIT_SHARED_CACHE
  SQLITE_DEFAULT_MEMSTATUS=0
  SQLITE_DQS=0
  SQLITE_MAX_MMAP_SIZE=0
  SQLITE_DEFAULT_FOREIGN_KEYS=1
  SQLITE_TEMP_STORE=3
  SQLITE_OMIT_JSON                    # JSON lives in C++ (nlohmann), never in SQL
  SQLITE_OMIT_UTF16
  SQLITE_OMIT_COMPLETE
  SQLITE_OMIT_GET_TABLE
  SQLITE_OMIT_TRACE
  SQLITE_OMIT_PROGRESS_CALLBACK
  SQLITE_OMIT_DECLTYPE
  SQLITE_OMIT_DESERIALIZE
  SQLITE_OMIT_COMPILEOPTION_DIAGS
  SQLITE_OMIT_INTROSPECTION_PRAGMAS
  SQLITE_OMIT_TCL_VARIABLE
  SQLITE_OMIT_INCRBLOB
  SQLITE_OMIT_AUTHORIZATION
  SQLITE_MAX_EXPR_DEPTH=0
  SQLITE_LIKE_DOESNT_MATCH_BLOBS
  SQLITE_UNTESTABLE)
target_compile_options(trailpack_sqlite3 PRIVATE -Oz -flto -fwasm-exceptions -w)
