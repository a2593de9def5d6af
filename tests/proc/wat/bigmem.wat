;; Starts with 5 pages: more than a 4-page cap allows.
(module (memory 5) (func (export "run")))
