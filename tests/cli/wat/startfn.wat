;; startfn.wat: the module's start function traps during instantiation;
;; the instance exists, so this is a trap (134), not a failed start.
(module
  (func $init unreachable)
  (start $init)
  (func (export "_start")))
