# Applied to every Gesso target: warnings on, and QT_NO_KEYWORDS because Qt's `slots` macro collides with
# a member named `slots` in the torch headers.
function(gesso_target_defaults target)
    target_compile_options(${target} PRIVATE -Wall -Wextra ${GESSO_TORCH_CXX_FLAGS})
    target_compile_definitions(${target} PRIVATE QT_NO_KEYWORDS)
    if(GESSO_SANITIZE)
        target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
        target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
endfunction()
