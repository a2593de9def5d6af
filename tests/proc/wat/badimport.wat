(module (import "rusm" "no_such_call" (func)) (func (export "run")))
