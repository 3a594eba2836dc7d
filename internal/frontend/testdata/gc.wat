(module
  (type $point (struct (field $x (mut i32)) (field $y i64) (field $tag i8)))
  (type $base (sub (struct (field i32))))
  (type $leaf (sub final $base (struct (field i32) (field f64))))
  (type $bytes (array (mut i8)))
  (type $refs (array (mut anyref)))
  ;; struct.new: an inline bump with the builtin as the slow path, then the fields
  (func (param i32 i64) (result (ref $point))
    (struct.new $point (local.get 0) (local.get 1) (i32.const 7)))
  ;; struct.get_s of a packed field and struct.set: null checks, static offsets
  (func (param (ref null $point)) (result i32)
    (struct.set $point $x (local.get 0) (i32.const 5))
    (struct.get_s $point $tag (local.get 0)))
  ;; array.new fills in a loop on the fast path; array.get_u checks null and bounds
  (func (param i32 i32) (result i32)
    (array.get_u $bytes (array.new $bytes (local.get 0) (local.get 1)) (i32.const 3)))
  ;; array.new_fixed and array.len
  (func (param anyref) (result i32)
    (array.len (array.new_fixed $refs 2 (local.get 0) (ref.i31 (i32.const 1)))))
  ;; casts: i31 and eq from the low bits, a final type by its id alone,
  ;; a non-final one by its id then the runtime
  (func (param anyref) (result i32)
    (i32.add
      (i32.add (ref.test (ref i31) (local.get 0)) (ref.test (ref null eq) (local.get 0)))
      (i32.add (ref.test (ref $leaf) (local.get 0)) (ref.test (ref $base) (local.get 0)))))
  ;; br_on_cast_fail and i31.get_s
  (func (param anyref) (result i32)
    (block $no (result anyref)
      (return (i31.get_s (br_on_cast_fail $no anyref (ref i31) (local.get 0)))))
    (drop)
    (i32.const -1))
  ;; array.copy: null checks here, bounds in the runtime
  (func (param (ref null $bytes) (ref null $bytes))
    (array.copy $bytes $bytes (local.get 0) (i32.const 0) (local.get 1) (i32.const 1) (i32.const 2))))
