;; Spins forever: only the epoch or the budget can take its core back.
(module (func (export "run") (loop $l (br $l))))
