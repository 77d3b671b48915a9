;; The shape of a long line (see ../shape.ts), 64 bytes at a time with SIMD: how deep it nests
;; outside strings, and where the first byte is that some reader may take for a line end. The
;; strings are found as simdjson finds them: escaped characters from runs of backslashes, then
;; the inside of strings as the prefix XOR of the unescaped quotes.
;;
;; The caller copies bytes to memory from offset 0 and calls `scan(end, final)`. A block is read
;; while two bytes of look-ahead remain (U+0085, U+2028 and U+2029 span block ends); `scan`
;; returns where it stopped, and the caller moves the rest to offset 0 before the next piece. At
;; the end of the line the caller pads the memory after `end` with 130 spaces and passes final = 1.
(module
  (memory (export "memory") 2)
  (global $depth (mut i32) (i32.const 0))
  (global $limit (mut i32) (i32.const 128))
  ;; 1 once the nesting went past the limit
  (global $too_deep (mut i32) (i32.const 0))
  ;; the last block ended on an escaping backslash (1) / inside a string (all ones)
  (global $escaped_carry (mut i64) (i64.const 0))
  (global $in_string_carry (mut i64) (i64.const 0))
  ;; offset in memory of the first suspect byte read by the last scan; -1 when none
  (global $suspect_at (mut i32) (i32.const -1))

  (func (export "reset") (param $limit i32)
    (global.set $depth (i32.const 0))
    (global.set $limit (local.get $limit))
    (global.set $too_deep (i32.const 0))
    (global.set $escaped_carry (i64.const 0))
    (global.set $in_string_carry (i64.const 0))
    (global.set $suspect_at (i32.const -1)))

  (func (export "tooDeep") (result i32) (global.get $too_deep))

  (func (export "takeSuspect") (result i32)
    (local $at i32)
    (local.set $at (global.get $suspect_at))
    (global.set $suspect_at (i32.const -1))
    (local.get $at))

  ;; One bit per byte of 64, from the top bit of each lane of four vectors.
  (func $bits (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result i64)
    (i64.or
      (i64.or
        (i64.extend_i32_u (i8x16.bitmask (local.get $a)))
        (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $b))) (i64.const 16)))
      (i64.or
        (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $c))) (i64.const 32))
        (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $d))) (i64.const 48)))))

  ;; The 64 bytes at $p equal to the byte in every lane of $x.
  (func $equal (param $p i32) (param $x v128) (result i64)
    (call $bits
      (i8x16.eq (v128.load offset=0 (local.get $p)) (local.get $x))
      (i8x16.eq (v128.load offset=16 (local.get $p)) (local.get $x))
      (i8x16.eq (v128.load offset=32 (local.get $p)) (local.get $x))
      (i8x16.eq (v128.load offset=48 (local.get $p)) (local.get $x))))

  ;; Bytes escaped by a backslash (simdjson's json_escape_scanner), the carry updated.
  (func $escaped (param $backslash i64) (result i64)
    (local $potential i64) (local $code i64) (local $escaped i64)
    (if (i64.eqz (local.get $backslash))
      (then
        (local.set $escaped (global.get $escaped_carry))
        (global.set $escaped_carry (i64.const 0))
        (return (local.get $escaped))))
    (local.set $potential (i64.and (local.get $backslash) (i64.xor (global.get $escaped_carry) (i64.const -1))))
    ;; ODD_BITS = 0xAAAAAAAAAAAAAAAA
    (local.set $code
      (i64.xor
        (i64.sub
          (i64.or (i64.shl (local.get $potential) (i64.const 1)) (i64.const 0xAAAAAAAAAAAAAAAA))
          (local.get $potential))
        (i64.const 0xAAAAAAAAAAAAAAAA)))
    (local.set $escaped (i64.xor (local.get $code) (i64.or (local.get $backslash) (global.get $escaped_carry))))
    (global.set $escaped_carry (i64.shr_u (i64.and (local.get $code) (local.get $backslash)) (i64.const 63)))
    (local.get $escaped))

  ;; Each bit the XOR of itself and every bit below it.
  (func $prefix_xor (param $x i64) (result i64)
    (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 1))))
    (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 2))))
    (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 4))))
    (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 8))))
    (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 16))))
    (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 32))))

  ;; Nesting through one block, bracket by bracket (only when it may pass the limit).
  (func $walk (param $opens i64) (param $closes i64)
    (local $all i64) (local $bit i64)
    (local.set $all (i64.or (local.get $opens) (local.get $closes)))
    (block $done
      (loop $next
        (br_if $done (i64.eqz (local.get $all)))
        (local.set $bit (i64.and (local.get $all) (i64.sub (i64.const 0) (local.get $all))))
        (if (i64.eqz (i64.and (local.get $opens) (local.get $bit)))
          (then (global.set $depth (i32.sub (global.get $depth) (i32.const 1))))
          (else
            (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
            (if (i32.gt_s (global.get $depth) (global.get $limit)) (then (global.set $too_deep (i32.const 1))))))
        (local.set $all (i64.xor (local.get $all) (local.get $bit)))
        (br $next))))

  ;; One block of 64 bytes at $p. Each mask has one bit per byte (bit i for byte $p + i):
  ;; backslashes, quotes, opening and closing brackets ("[" and "{" differ only in bit 5, as do
  ;; "]" and "}"), control bytes but tab, bytes of 0x80 and up, and lead bytes C2 and E2.
  (func $block (param $p i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $backslashes i64) (local $quotes i64) (local $opens i64) (local $closes i64)
    (local $controls i64) (local $high i64) (local $leads i64)
    (local $outside i64) (local $suspect i64) (local $opened i32)
    (local.set $v0 (v128.load offset=0 (local.get $p)))
    (local.set $v1 (v128.load offset=16 (local.get $p)))
    (local.set $v2 (v128.load offset=32 (local.get $p)))
    (local.set $v3 (v128.load offset=48 (local.get $p)))
    (local.set $backslashes
      (i64.or
        (i64.or (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v0) (i8x16.splat (i32.const 0x5c)))))
          (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v1) (i8x16.splat (i32.const 0x5c))))) (i64.const 16)))
        (i64.or (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v2) (i8x16.splat (i32.const 0x5c))))) (i64.const 32))
          (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v3) (i8x16.splat (i32.const 0x5c))))) (i64.const 48)))))
    (local.set $quotes
      (i64.or
        (i64.or (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v0) (i8x16.splat (i32.const 0x22)))))
          (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v1) (i8x16.splat (i32.const 0x22))))) (i64.const 16)))
        (i64.or (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v2) (i8x16.splat (i32.const 0x22))))) (i64.const 32))
          (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (local.get $v3) (i8x16.splat (i32.const 0x22))))) (i64.const 48)))))
    (local.set $quotes (i64.and (local.get $quotes) (i64.xor (call $escaped (local.get $backslashes)) (i64.const -1))))
    ;; Inside strings: from an opening quote up to (not with) its closing one.
    (local.set $outside (i64.xor (i64.xor (call $prefix_xor (local.get $quotes)) (global.get $in_string_carry)) (i64.const -1)))
    (global.set $in_string_carry (i64.shr_s (i64.xor (local.get $outside) (i64.const -1)) (i64.const 63)))
    ;; Brackets count only outside strings; a block wholly inside one (most of a long text) has none.
    (if (i64.ne (local.get $outside) (i64.const 0))
      (then
        (local.set $opens
          (i64.or
            (i64.or (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.or (local.get $v0) (i8x16.splat (i32.const 0x20))) (i8x16.splat (i32.const 0x7b)))))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.or (local.get $v1) (i8x16.splat (i32.const 0x20))) (i8x16.splat (i32.const 0x7b))))) (i64.const 16)))
            (i64.or (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.or (local.get $v2) (i8x16.splat (i32.const 0x20))) (i8x16.splat (i32.const 0x7b))))) (i64.const 32))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.or (local.get $v3) (i8x16.splat (i32.const 0x20))) (i8x16.splat (i32.const 0x7b))))) (i64.const 48)))))
        (local.set $closes
          (i64.or
            (i64.or (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.or (local.get $v0) (i8x16.splat (i32.const 0x20))) (i8x16.splat (i32.const 0x7d)))))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.or (local.get $v1) (i8x16.splat (i32.const 0x20))) (i8x16.splat (i32.const 0x7d))))) (i64.const 16)))
            (i64.or (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.or (local.get $v2) (i8x16.splat (i32.const 0x20))) (i8x16.splat (i32.const 0x7d))))) (i64.const 32))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.or (local.get $v3) (i8x16.splat (i32.const 0x20))) (i8x16.splat (i32.const 0x7d))))) (i64.const 48)))))
        (local.set $opens (i64.and (local.get $opens) (local.get $outside)))
        (local.set $closes (i64.and (local.get $closes) (local.get $outside)))
        (local.set $opened (i32.wrap_i64 (i64.popcnt (local.get $opens))))
        (if (i32.le_s (i32.add (global.get $depth) (local.get $opened)) (global.get $limit))
          (then
            (global.set $depth
              (i32.sub (i32.add (global.get $depth) (local.get $opened)) (i32.wrap_i64 (i64.popcnt (local.get $closes))))))
          (else (call $walk (local.get $opens) (local.get $closes))))))
    ;; Most blocks hold neither control bytes nor non-ASCII ones: their masks are then empty.
    (if (v128.any_true
          (i8x16.lt_u
            (i8x16.min_u (i8x16.min_u (local.get $v0) (local.get $v1)) (i8x16.min_u (local.get $v2) (local.get $v3)))
            (i8x16.splat (i32.const 0x20))))
      (then
        (local.set $controls
          (i64.or
            (i64.or (i64.extend_i32_u (i8x16.bitmask (v128.andnot (i8x16.lt_u (local.get $v0) (i8x16.splat (i32.const 0x20))) (i8x16.eq (local.get $v0) (i8x16.splat (i32.const 0x09))))))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (v128.andnot (i8x16.lt_u (local.get $v1) (i8x16.splat (i32.const 0x20))) (i8x16.eq (local.get $v1) (i8x16.splat (i32.const 0x09)))))) (i64.const 16)))
            (i64.or (i64.shl (i64.extend_i32_u (i8x16.bitmask (v128.andnot (i8x16.lt_u (local.get $v2) (i8x16.splat (i32.const 0x20))) (i8x16.eq (local.get $v2) (i8x16.splat (i32.const 0x09)))))) (i64.const 32))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (v128.andnot (i8x16.lt_u (local.get $v3) (i8x16.splat (i32.const 0x20))) (i8x16.eq (local.get $v3) (i8x16.splat (i32.const 0x09)))))) (i64.const 48)))))
        (local.set $suspect (local.get $controls))))
    (if (i8x16.bitmask (v128.or (v128.or (local.get $v0) (local.get $v1)) (v128.or (local.get $v2) (local.get $v3))))
      (then
        (local.set $high
          (i64.or
            (i64.or (i64.extend_i32_u (i8x16.bitmask (local.get $v0)))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $v1))) (i64.const 16)))
            (i64.or (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $v2))) (i64.const 32))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $v3))) (i64.const 48)))))
        (local.set $leads
          (i64.or
            (i64.or (i64.extend_i32_u (i8x16.bitmask (v128.or (i8x16.eq (local.get $v0) (i8x16.splat (i32.const 0xc2))) (i8x16.eq (local.get $v0) (i8x16.splat (i32.const 0xe2))))))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (v128.or (i8x16.eq (local.get $v1) (i8x16.splat (i32.const 0xc2))) (i8x16.eq (local.get $v1) (i8x16.splat (i32.const 0xe2)))))) (i64.const 16)))
            (i64.or (i64.shl (i64.extend_i32_u (i8x16.bitmask (v128.or (i8x16.eq (local.get $v2) (i8x16.splat (i32.const 0xc2))) (i8x16.eq (local.get $v2) (i8x16.splat (i32.const 0xe2)))))) (i64.const 32))
              (i64.shl (i64.extend_i32_u (i8x16.bitmask (v128.or (i8x16.eq (local.get $v3) (i8x16.splat (i32.const 0xc2))) (i8x16.eq (local.get $v3) (i8x16.splat (i32.const 0xe2)))))) (i64.const 48)))))
        ;; Suspect: control bytes but tab anywhere; non-ASCII outside strings; U+0085, U+2028, U+2029.
        (local.set $suspect (i64.or (local.get $suspect) (i64.and (local.get $high) (local.get $outside))))
        (if (i64.ne (local.get $leads) (i64.const 0))
          (then
            (local.set $suspect
              (i64.or (local.get $suspect)
                (i64.or
                  (i64.and
                    (call $equal (local.get $p) (i8x16.splat (i32.const 0xc2)))
                    (call $equal (i32.add (local.get $p) (i32.const 1)) (i8x16.splat (i32.const 0x85))))
                  (i64.and
                    (i64.and
                      (call $equal (local.get $p) (i8x16.splat (i32.const 0xe2)))
                      (call $equal (i32.add (local.get $p) (i32.const 1)) (i8x16.splat (i32.const 0x80))))
                    (i64.or
                      (call $equal (i32.add (local.get $p) (i32.const 2)) (i8x16.splat (i32.const 0xa8)))
                      (call $equal (i32.add (local.get $p) (i32.const 2)) (i8x16.splat (i32.const 0xa9))))))))))))
    (if (i32.and (i64.ne (local.get $suspect) (i64.const 0)) (i32.eq (global.get $suspect_at) (i32.const -1)))
      (then (global.set $suspect_at (i32.add (local.get $p) (i32.wrap_i64 (i64.ctz (local.get $suspect))))))))

  (func (export "scan") (param $end i32) (param $final i32) (result i32)
    (local $p i32)
    (block $done
      (loop $next
        (if (local.get $final)
          (then (br_if $done (i32.ge_u (local.get $p) (local.get $end))))
          (else (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 66)) (local.get $end)))))
        (call $block (local.get $p))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br $next)))
    (local.get $p)))
