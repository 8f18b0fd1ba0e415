# Toolchain for the freestanding AArch64 build of libs2mm (and s2hyp).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_C_FLAGS_INIT "-ffreestanding -nostdlib -mgeneral-regs-only -mstrict-align -fno-stack-protector -fno-pic -mno-outline-atomics")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(S2MM_FREESTANDING ON CACHE BOOL "" FORCE)
