;; The function the WebAssembly example runs: add two 32-bit integers.
;; add.wasm is this module assembled (wat2wasm add.wat -o add.wasm gives the same 41 bytes).
(module
  (func (export "add") (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.add))
