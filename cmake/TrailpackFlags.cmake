# Per-target flags (no global flag variables), and the nlohmann/json target for both sides.

# nlohmann/json: native uses the installed package; emcc must never see /usr/include
# (glibc headers break the wasm build), so it gets a folder holding only a link to
# nlohmann's headers.
if(EMSCRIPTEN)
  set(_tp_nlohmann_src "/usr/include/nlohmann")
  if(NOT EXISTS "${_tp_nlohmann_src}/json.hpp")
    message(FATAL_ERROR "nlohmann/json headers not found at ${_tp_nlohmann_src} (apt-get install nlohmann-json3-dev)")
  endif()
  set(_tp_json_dir "${CMAKE_BINARY_DIR}/third_party_include")
  file(MAKE_DIRECTORY "${_tp_json_dir}")
  file(CREATE_LINK "${_tp_nlohmann_src}" "${_tp_json_dir}/nlohmann" SYMBOLIC)
  add_library(trailpack_json INTERFACE)
  target_include_directories(trailpack_json SYSTEM INTERFACE "${_tp_json_dir}")
else()
  find_package(nlohmann_json 3.10 REQUIRED)
  add_library(trailpack_json INTERFACE)
  target_link_libraries(trailpack_json INTERFACE nlohmann_json::nlohmann_json)
endif()
# Keep JSON object key order stable (insertion order is not needed; sorted keys are deterministic).
target_compile_definitions(trailpack_json INTERFACE JSON_DIAGNOSTICS=0)

# Flags every Trailpack target gets.
function(trailpack_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  if(EMSCRIPTEN)
    target_compile_options(${target} PRIVATE -Wall -Wextra -fwasm-exceptions)
    if(TRAILPACK_WASM_DEBUG)
      target_compile_options(${target} PRIVATE -g -O0)
    else()
      # -Oz and link-time optimisation: the wasm is on the download path of a first visit.
      target_compile_options(${target} PRIVATE -Oz -flto)
    endif()
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
    if(TRAILPACK_SANITIZE)
      target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
      target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
    if(TRAILPACK_BUILD_FUZZERS)
      # Coverage for libFuzzer in every object; the fuzz targets link -fsanitize=fuzzer.
      # Any sanitizer report aborts, so the fuzzer records it as a crash.
      target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                             -fno-sanitize-recover=all -fno-omit-frame-pointer)
      target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
  endif()
endfunction()

# Link flags for executables (sanitizer runtime must be linked into the final binary).
function(trailpack_executable_defaults target)
  trailpack_target_defaults(${target})
  if(NOT EMSCRIPTEN AND TRAILPACK_SANITIZE)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
