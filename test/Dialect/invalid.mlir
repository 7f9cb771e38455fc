// RUN: fp4-opt %s -split-input-file -verify-diagnostics

// Malformed fp4 IR: every case must be rejected with a diagnostic that
// names the operand, attribute or dimension at fault, and nothing may crash.

// !fp4.tensor: the last dimension must be a multiple of the block width.

// expected-error @+1 {{last dimension (dimension 1, size 40) must be a multiple of the block width 16}}
func.func private @f(%arg0: !fp4.tensor<4x40, nvfp4>)

// -----

// expected-error @+1 {{last dimension (dimension 1, size 48) must be a multiple of the block width 32}}
func.func private @f(%arg0: !fp4.tensor<4x48, mxfp4>)

// -----

// expected-error @+1 {{second-to-last dimension (dimension 1, size 8) must be a multiple of the block height 16}}
func.func private @f(%arg0: !fp4.tensor<2x8x64, nvfp4, block = 16x16>)

// -----

// expected-error @+1 {{last dimension (dimension 1, size 24) must be a multiple of the block width 16}}
func.func private @f(%arg0: !fp4.tensor<16x24, nvfp4, block = 16x16>)

// -----

// expected-error @+1 {{block 16x16 needs a tensor of rank >= 2}}
func.func private @f(%arg0: !fp4.tensor<64, nvfp4, block = 16x16>)

// -----

// Block shapes of each format.

// expected-error @+1 {{block 8x16 is not valid for nvfp4 (expected 1x16 or 16x16)}}
func.func private @f(%arg0: !fp4.tensor<16x64, nvfp4, block = 8x16>)

// -----

// expected-error @+1 {{block 1x32 is not valid for nvfp4 (expected 1x16 or 16x16)}}
func.func private @f(%arg0: !fp4.tensor<4x64, nvfp4, block = 1x32>)

// -----

// expected-error @+1 {{block 16x16 is not valid for mxfp4 (expected 1x32)}}
func.func private @f(%arg0: !fp4.tensor<16x64, mxfp4, block = 16x16>)

// -----

// expected-error @+1 {{block 1x16 is not valid for mxfp4 (expected 1x32)}}
func.func private @f(%arg0: !fp4.tensor<4x64, mxfp4, block = 1x16>)

// -----

// expected-error @+1 {{block 0x16 is not valid for nvfp4 (expected 1x16 or 16x16)}}
func.func private @f(%arg0: !fp4.tensor<4x64, nvfp4, block = 0x16>)

// -----

// expected-error @+1 {{block 9223372036854775807x16 is not valid for nvfp4 (expected 1x16 or 16x16)}}
func.func private @f(%arg0: !fp4.tensor<4x64, nvfp4, block = 9223372036854775807x16>)

// -----

// expected-error @+1 {{expected a block shape RxC (e.g. 16x16), got rank 1}}
func.func private @f(%arg0: !fp4.tensor<16, nvfp4, block = 16>)

// -----

// expected-error @+1 {{expected a block shape RxC (e.g. 16x16), got rank 3}}
func.func private @f(%arg0: !fp4.tensor<16x16, nvfp4, block = 1x16x16>)

// -----

// expected-error @+1 {{block shape dimension 0 must be static, got '?'}}
func.func private @f(%arg0: !fp4.tensor<16x16, nvfp4, block = ?x16>)

// -----

// expected-error @+1 {{expected 'block' after the format}}
func.func private @f(%arg0: !fp4.tensor<16x16, nvfp4, blk = 16x16>)

// -----

// expected-error @+1 {{expected 'block' after the format}}
func.func private @f(%arg0: !fp4.tensor<16x16, nvfp4, 16x16>)

// -----

// expected-error @+1 {{expected '>'}}
func.func private @f(%arg0: !fp4.tensor<32x32, nvfp4, block = 16x16, block = 16x16>)

// -----

// The format keyword.

// expected-error @+1 {{expected format 'nvfp4' or 'mxfp4', got 'fp8'}}
func.func private @f(%arg0: !fp4.tensor<4x64, fp8>)

// -----

// expected-error @+1 {{expected format 'nvfp4' or 'mxfp4', got 'NVFP4'}}
func.func private @f(%arg0: !fp4.tensor<4x64, NVFP4>)

// -----

// expected-error @+1 {{expected format 'nvfp4' or 'mxfp4'}}
func.func private @f(%arg0: !fp4.tensor<4x64, "nvfp4">)

// -----

// expected-error @+1 {{expected ','}}
func.func private @f(%arg0: !fp4.tensor<4x64>)

// -----

// Rank 0, dynamic, unranked, zero, negative and huge shapes.

// expected-error @+1 {{expected !fp4.tensor shape of rank >= 1 with static sizes, e.g. 4x64}}
func.func private @f(%arg0: !fp4.tensor<nvfp4>)

// -----

// expected-error @+1 {{expected !fp4.tensor shape of rank >= 1 with static sizes, e.g. 4x64}}
func.func private @f(%arg0: !fp4.tensor<, nvfp4>)

// -----

// expected-error @+1 {{expected !fp4.tensor shape of rank >= 1 with static sizes, e.g. 4x64}}
func.func private @f(%arg0: !fp4.tensor<*, nvfp4>)

// -----

// expected-error @+1 {{expected !fp4.tensor shape of rank >= 1 with static sizes, e.g. 4x64}}
func.func private @f(%arg0: !fp4.tensor<-4x64, nvfp4>)

// -----

// expected-error @+1 {{!fp4.tensor shape dimension 0 must be static, got '?'}}
func.func private @f(%arg0: !fp4.tensor<?x16, nvfp4>)

// -----

// expected-error @+1 {{!fp4.tensor shape dimension 1 must be static, got '?'}}
func.func private @f(%arg0: !fp4.tensor<4x?, mxfp4>)

// -----

// expected-error @+1 {{!fp4.tensor dimension 0 must be a positive static size, got 0}}
func.func private @f(%arg0: !fp4.tensor<0x16, nvfp4>)

// -----

// expected-error @+1 {{!fp4.tensor dimension 1 must be a positive static size, got 0}}
func.func private @f(%arg0: !fp4.tensor<16x0, nvfp4>)

// -----

// expected-error @+1 {{invalid dimension}}
func.func private @f(%arg0: !fp4.tensor<16x, nvfp4>)

// -----

// expected-error @+1 {{invalid dimension}}
func.func private @f(%arg0: !fp4.tensor<4x64xf32, nvfp4>)

// -----

// expected-error @+1 {{!fp4.tensor must have at most 2^63-1 elements (the product of its dimensions overflows int64)}}
func.func private @f(%arg0: !fp4.tensor<9223372036854775807x16, nvfp4>)

// -----

// expected-error @+1 {{!fp4.tensor must have at most 2^63-1 elements (the product of its dimensions overflows int64)}}
func.func private @f(%arg0: !fp4.tensor<16x9223372036854775807, nvfp4>)

// -----

// expected-error @+1 {{!fp4.tensor must have at most 2^63-1 elements (the product of its dimensions overflows int64)}}
func.func private @f(%arg0: !fp4.tensor<4294967296x4294967296x16, mxfp4>)

// -----

// expected-error @+1 {{invalid dimension}}
func.func private @f(%arg0: !fp4.tensor<16x9223372036854775808, nvfp4>)

// -----

// expected-error @+1 {{expected '<'}}
func.func private @f(%arg0: !fp4.tensor)

// -----

// expected-error @+1 {{unknown  type `vector` in dialect `fp4`}}
func.func private @f(%arg0: !fp4.vector<4x64, nvfp4>)

// -----

// #fp4.rule: a metric only applies to four_over_six.

// expected-error @+1 {{metric 'mae' only applies to rule 'four_over_six', not 'static6'}}
func.func private @f() attributes {rule = #fp4.rule<static6, mae>}

// -----

// expected-error @+1 {{metric 'absmax' only applies to rule 'four_over_six', not 'static4'}}
func.func private @f() attributes {rule = #fp4.rule<static4, absmax>}

// -----

// expected-error @+1 {{metric 'mae' only applies to rule 'four_over_six', not 'mx_ceil'}}
func.func private @f() attributes {rule = #fp4.rule<mx_ceil, mae>}

// -----

// expected-error @+1 {{metric 'absmax' only applies to rule 'four_over_six', not 'mx_floor'}}
func.func private @f() attributes {rule = #fp4.rule<mx_floor, absmax>}

// -----

// Unknown rule and metric names.

// expected-error @+1 {{expected rule 'static6', 'static4', 'four_over_six', 'mx_ceil' or 'mx_floor', got 'four_over_eight'}}
func.func private @f() attributes {rule = #fp4.rule<four_over_eight>}

// -----

// expected-error @+1 {{expected rule 'static6', 'static4', 'four_over_six', 'mx_ceil' or 'mx_floor'}}
func.func private @f() attributes {rule = #fp4.rule<>}

// -----

// expected-error @+1 {{expected rule 'static6', 'static4', 'four_over_six', 'mx_ceil' or 'mx_floor'}}
func.func private @f() attributes {rule = #fp4.rule<"static6">}

// -----

// expected-error @+1 {{expected metric 'mse', 'mae' or 'absmax', got 'rmse'}}
func.func private @f() attributes {rule = #fp4.rule<four_over_six, rmse>}

// -----

// expected-error @+1 {{expected metric 'mse', 'mae' or 'absmax'}}
func.func private @f() attributes {rule = #fp4.rule<four_over_six,>}

// -----

// expected-error @+1 {{expected '>'}}
func.func private @f() attributes {rule = #fp4.rule<four_over_six, mae, mse>}

// -----

// expected-error @+1 {{expected '<'}}
func.func private @f() attributes {rule = #fp4.rule}

// -----

// fp4.quantize: input element type and shape.

func.func @f(%x: tensor<4x64xf64>) {
  // expected-error @+1 {{'fp4.quantize' op operand #0 must be ranked tensor of f32, bf16 or f16, but got 'tensor<4x64xf64>'}}
  %q = fp4.quantize %x : tensor<4x64xf64> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xi32>) {
  // expected-error @+1 {{'fp4.quantize' op operand #0 must be ranked tensor of f32, bf16 or f16, but got 'tensor<4x64xi32>'}}
  %q = fp4.quantize %x : tensor<4x64xi32> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<*xf32>) {
  // expected-error @+1 {{'fp4.quantize' op operand #0 must be ranked tensor of f32, bf16 or f16, but got 'tensor<*xf32>'}}
  %q = fp4.quantize %x : tensor<*xf32> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op result shape 4x32 must match the input shape 4x64}}
  %q = fp4.quantize %x : tensor<4x64xf32> -> !fp4.tensor<4x32, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<256xf32>) {
  // expected-error @+1 {{'fp4.quantize' op result shape 4x64 must match the input shape 256}}
  %q = fp4.quantize %x : tensor<256xf32> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<f32>) {
  // expected-error @+1 {{'fp4.quantize' op result shape 4x64 must match the input shape (rank 0)}}
  %q = fp4.quantize %x : tensor<f32> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op result shape 4x64 must match the input shape ?x64}}
  %q = fp4.quantize %x : tensor<?x64xf32> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op result #0 must be block-scaled 4-bit tensor, but got 'tensor<4x64xf32>'}}
  %q = fp4.quantize %x : tensor<4x64xf32> -> tensor<4x64xf32>
  return
}

// -----

// fp4.quantize: the rule must fit the format of the result.

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op rule 'mx_ceil' is not valid for nvfp4 (expected static6, static4 or four_over_six)}}
  %q = fp4.quantize %x {rule = #fp4.rule<mx_ceil>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<32x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op rule 'mx_floor' is not valid for nvfp4 (expected static6, static4 or four_over_six)}}
  %q = fp4.quantize %x {rule = #fp4.rule<mx_floor>} : tensor<32x64xf32> -> !fp4.tensor<32x64, nvfp4, block = 16x16>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op rule 'four_over_six' is not valid for mxfp4 (expected mx_ceil or mx_floor)}}
  %q = fp4.quantize %x {rule = #fp4.rule<four_over_six>} : tensor<4x64xf32> -> !fp4.tensor<4x64, mxfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op rule 'four_over_six' is not valid for mxfp4 (expected mx_ceil or mx_floor)}}
  %q = fp4.quantize %x {rule = #fp4.rule<four_over_six, mae>} : tensor<4x64xf32> -> !fp4.tensor<4x64, mxfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op rule 'static6' is not valid for mxfp4 (expected mx_ceil or mx_floor)}}
  %q = fp4.quantize %x {rule = #fp4.rule<static6>} : tensor<4x64xf32> -> !fp4.tensor<4x64, mxfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op rule 'static4' is not valid for mxfp4 (expected mx_ceil or mx_floor)}}
  %q = fp4.quantize %x {rule = #fp4.rule<static4>} : tensor<4x64xf32> -> !fp4.tensor<4x64, mxfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{custom op 'fp4.quantize' 'rule' attribute must be a #fp4.rule, got 1 : i32}}
  %q = fp4.quantize %x {rule = 1 : i32} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{custom op 'fp4.quantize' 'rule' attribute must be a #fp4.rule, got "static6"}}
  %q = fp4.quantize %x {rule = "static6"} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

// fp4.quantize: amax.

func.func @f(%x: tensor<4x64xf32>, %a: f32) {
  // expected-error @+1 {{'fp4.quantize' op 'amax' operand requires an nvfp4 result (mxfp4 has no tensor scale)}}
  %q = fp4.quantize %x amax(%a) : tensor<4x64xf32>, f32 -> !fp4.tensor<4x64, mxfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %a: i64) {
  // expected-error @+1 {{'fp4.quantize' op operand #1 must be 32-bit float, but got 'i64'}}
  %q = fp4.quantize %x amax(%a) : tensor<4x64xf32>, i64 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

// expected-note @+1 {{prior use here}}
func.func @f(%x: tensor<4x64xf32>, %a: f32) {
  // expected-error @+1 {{use of value '%a' expects different type than prior uses: 'i64' vs 'f32'}}
  %q = fp4.quantize %x amax(%a) : tensor<4x64xf32>, i64 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

// fp4.quantize: seed.

func.func @f(%x: tensor<4x64xf32>, %s: f32) {
  // expected-error @+1 {{'fp4.quantize' op operand #1 must be 64-bit signless integer, but got 'f32'}}
  %q = fp4.quantize %x seed(%s) : tensor<4x64xf32>, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %s: i32) {
  // expected-error @+1 {{'fp4.quantize' op operand #1 must be 64-bit signless integer, but got 'i32'}}
  %q = fp4.quantize %x seed(%s) : tensor<4x64xf32>, i32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

// fp4.quantize: explicit scales.

func.func @f(%x: tensor<4x64xf32>, %sc: tensor<4x4xf8E4M3FN>, %al: f32, %a: f32) {
  // expected-error @+1 {{'fp4.quantize' op 'amax' and 'scales' operands are exclusive}}
  %q = fp4.quantize %x amax(%a) scales(%sc, %al) : tensor<4x64xf32>, f32, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %sc: tensor<4x4xf8E4M3FN>, %al: f32) {
  // expected-error @+1 {{'fp4.quantize' op 'rule' must not be set with explicit 'scales'}}
  %q = fp4.quantize %x scales(%sc, %al) {rule = #fp4.rule<static6>} : tensor<4x64xf32>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %sc: tensor<4x2xf8E8M0FNU>) {
  // expected-error @+1 {{'fp4.quantize' op 'rule' must not be set with explicit 'scales'}}
  %q = fp4.quantize %x scales(%sc) {rule = #fp4.rule<mx_floor>} : tensor<4x64xf32>, tensor<4x2xf8E8M0FNU> -> !fp4.tensor<4x64, mxfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %sc: tensor<4x2xf8E4M3FN>, %al: f32) {
  // expected-error @+1 {{'fp4.quantize' op 'scales' operand must be 'tensor<4x4xf8E4M3FN>' (one scale per block of the result), got 'tensor<4x2xf8E4M3FN>'}}
  %q = fp4.quantize %x scales(%sc, %al) : tensor<4x64xf32>, tensor<4x2xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %sc: tensor<4x4xf8E8M0FNU>, %al: f32) {
  // expected-error @+1 {{'fp4.quantize' op 'scales' operand must be 'tensor<4x4xf8E4M3FN>' (one scale per block of the result), got 'tensor<4x4xf8E8M0FNU>'}}
  %q = fp4.quantize %x scales(%sc, %al) : tensor<4x64xf32>, tensor<4x4xf8E8M0FNU>, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %sc: tensor<4x2xf8E4M3FN>) {
  // expected-error @+1 {{'fp4.quantize' op 'scales' operand must be 'tensor<4x2xf8E8M0FNU>' (one scale per block of the result), got 'tensor<4x2xf8E4M3FN>'}}
  %q = fp4.quantize %x scales(%sc) : tensor<4x64xf32>, tensor<4x2xf8E4M3FN> -> !fp4.tensor<4x64, mxfp4>
  return
}

// -----

func.func @f(%x: tensor<32x64xf32>, %sc: tensor<32x4xf8E4M3FN>, %al: f32) {
  // expected-error @+1 {{'fp4.quantize' op 'scales' operand must be 'tensor<2x4xf8E4M3FN>' (one scale per block of the result), got 'tensor<32x4xf8E4M3FN>'}}
  %q = fp4.quantize %x scales(%sc, %al) : tensor<32x64xf32>, tensor<32x4xf8E4M3FN>, f32 -> !fp4.tensor<32x64, nvfp4, block = 16x16>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %sc: tensor<4x4xf32>, %al: f32) {
  // expected-error @+1 {{'fp4.quantize' op operand #1 must be ranked tensor of f8E4M3FN or f8E8M0FNU, but got 'tensor<4x4xf32>'}}
  %q = fp4.quantize %x scales(%sc, %al) : tensor<4x64xf32>, tensor<4x4xf32>, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %sc: tensor<4x4xf8E4M3FN>) {
  // expected-error @+1 {{'fp4.quantize' op nvfp4 'scales' need an f32 tensor scale: 'scales(%sc, %alpha)'}}
  %q = fp4.quantize %x scales(%sc) : tensor<4x64xf32>, tensor<4x4xf8E4M3FN> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %sc: tensor<4x2xf8E8M0FNU>, %al: f32) {
  // expected-error @+1 {{'fp4.quantize' op mxfp4 'scales' take no tensor scale: 'scales(%sc)'}}
  %q = fp4.quantize %x scales(%sc, %al) : tensor<4x64xf32>, tensor<4x2xf8E8M0FNU>, f32 -> !fp4.tensor<4x64, mxfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %sc: tensor<4x4xf8E4M3FN>, %al: f16) {
  // expected-error @+1 {{'fp4.quantize' op operand #2 must be 32-bit float, but got 'f16'}}
  %q = fp4.quantize %x scales(%sc, %al) : tensor<4x64xf32>, tensor<4x4xf8E4M3FN>, f16 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

// fp4.quantize: the type list holds one type per operand.

func.func @f(%x: tensor<4x64xf32>, %a: f32) {
  // expected-error @+1 {{custom op 'fp4.quantize' expected 2 operand types (input, then amax, seed, scales, alpha as present), got 1}}
  %q = fp4.quantize %x amax(%a) : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{custom op 'fp4.quantize' expected 1 operand types (input, then amax, seed, scales, alpha as present), got 2}}
  %q = fp4.quantize %x : tensor<4x64xf32>, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %a: f32, %s: i64) {
  // expected-error @+1 {{custom op 'fp4.quantize' expected 3 operand types (input, then amax, seed, scales, alpha as present), got 2}}
  %q = fp4.quantize %x amax(%a) seed(%s) : tensor<4x64xf32>, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %sc: tensor<4x4xf8E4M3FN>, %al: f32) {
  // expected-error @+1 {{custom op 'fp4.quantize' expected 3 operand types (input, then amax, seed, scales, alpha as present), got 2}}
  %q = fp4.quantize %x scales(%sc, %al) : tensor<4x64xf32>, tensor<4x4xf8E4M3FN> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

// fp4.quantize: operand groups in the order amax, seed, scales, each at most once.

func.func @f(%x: tensor<4x64xf32>, %a: f32, %s: i64) {
  // expected-error @+1 {{custom op 'fp4.quantize' operand group 'amax' is repeated or out of order (expected amax(...), seed(...), scales(...) in this order)}}
  %q = fp4.quantize %x seed(%s) amax(%a) : tensor<4x64xf32>, i64, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %s: i64) {
  // expected-error @+1 {{custom op 'fp4.quantize' operand group 'seed' is repeated or out of order (expected amax(...), seed(...), scales(...) in this order)}}
  %q = fp4.quantize %x seed(%s) seed(%s) : tensor<4x64xf32>, i64, i64 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %a: f32) {
  // expected-error @+1 {{expected ')'}}
  %q = fp4.quantize %x scales(%a, %a, %a) : tensor<4x64xf32>, f32, f32, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{expected SSA operand}}
  %q = fp4.quantize %x scales() : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{custom op 'fp4.quantize' 'operandSegmentSizes' must not be given: it follows from the amax/seed/scales groups}}
  %q = fp4.quantize %x {operandSegmentSizes = array<i32: 1, 1, 0, 0, 0>} : tensor<4x64xf32> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

// fp4.quantize in generic form: operand segments.

func.func @f(%x: tensor<4x64xf32>, %a: f32) {
  // expected-error @+1 {{'fp4.quantize' op 'alpha' operand requires a 'scales' operand}}
  %q = "fp4.quantize"(%x, %a) <{operandSegmentSizes = array<i32: 1, 0, 0, 0, 1>}> : (tensor<4x64xf32>, f32) -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op operand count (1) does not match with the total size (2) specified in attribute 'operandSegmentSizes'}}
  %q = "fp4.quantize"(%x) <{operandSegmentSizes = array<i32: 1, 1, 0, 0, 0>}> : (tensor<4x64xf32>) -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op operand count (1) does not match with the total size (0) specified in attribute 'operandSegmentSizes'}}
  %q = "fp4.quantize"(%x) : (tensor<4x64xf32>) -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{invalid properties {operandSegmentSizes = array<i32: 1, 0, 0>} for op fp4.quantize: size mismatch in attribute conversion: 3 vs 5}}
  %q = "fp4.quantize"(%x) <{operandSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<4x64xf32>) -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{invalid properties {operandSegmentSizes = array<i64: 1, 0, 0, 0, 0>} for op fp4.quantize: expected DenseI32ArrayAttr for key `value`}}
  %q = "fp4.quantize"(%x) <{operandSegmentSizes = array<i64: 1, 0, 0, 0, 0>}> : (tensor<4x64xf32>) -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op 'operandSegmentSizes' attribute cannot have negative elements}}
  %q = "fp4.quantize"(%x) <{operandSegmentSizes = array<i32: 2, -1, 0, 0, 0>}> : (tensor<4x64xf32>) -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op operand #0 must be 32-bit float, but got 'tensor<4x64xf32>'}}
  %q = "fp4.quantize"(%x) <{operandSegmentSizes = array<i32: 0, 1, 0, 0, 0>}> : (tensor<4x64xf32>) -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %a: f32) {
  // expected-error @+1 {{'fp4.quantize' op operand group starting at #1 requires 0 or 1 element, but found 2}}
  %q = "fp4.quantize"(%x, %a, %a) <{operandSegmentSizes = array<i32: 1, 2, 0, 0, 0>}> : (tensor<4x64xf32>, f32, f32) -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op expected 1 or more operands, but found 0}}
  %q = "fp4.quantize"() <{operandSegmentSizes = array<i32: 0, 0, 0, 0, 0>}> : () -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.quantize' op requires one result}}
  %q:2 = "fp4.quantize"(%x) <{operandSegmentSizes = array<i32: 1, 0, 0, 0, 0>}> : (tensor<4x64xf32>) -> (!fp4.tensor<4x64, nvfp4>, f32)
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{invalid properties {operandSegmentSizes = array<i32: 1, 0, 0, 0, 0>, rule = 3 : i32} for op fp4.quantize: Invalid attribute `rule` in property conversion: 3 : i32}}
  %q = "fp4.quantize"(%x) <{operandSegmentSizes = array<i32: 1, 0, 0, 0, 0>, rule = 3 : i32}> : (tensor<4x64xf32>) -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

// fp4.dequantize.

func.func @f(%q: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{'fp4.dequantize' op result shape 4x32 must match the input shape 4x64}}
  %d = fp4.dequantize %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xf32>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, mxfp4>) {
  // expected-error @+1 {{'fp4.dequantize' op result shape 256 must match the input shape 4x64}}
  %d = fp4.dequantize %q : !fp4.tensor<4x64, mxfp4> -> tensor<256xf32>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{'fp4.dequantize' op result shape ?x64 must match the input shape 4x64}}
  %d = fp4.dequantize %q : !fp4.tensor<4x64, nvfp4> -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{'fp4.dequantize' op result shape (rank 0) must match the input shape 4x64}}
  %d = fp4.dequantize %q : !fp4.tensor<4x64, nvfp4> -> tensor<f32>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{'fp4.dequantize' op result #0 must be ranked tensor of f32, bf16 or f16, but got 'tensor<4x64xi32>'}}
  %d = fp4.dequantize %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x64xi32>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{'fp4.dequantize' op result #0 must be ranked tensor of f32, bf16 or f16, but got 'tensor<4x64xf64>'}}
  %d = fp4.dequantize %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x64xf64>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{custom op 'fp4.dequantize' invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %d = fp4.dequantize %q : !fp4.tensor<4x64, nvfp4> -> tensor<*xf32>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.dequantize' op operand #0 must be block-scaled 4-bit tensor, but got 'tensor<4x64xf32>'}}
  %d = fp4.dequantize %x : tensor<4x64xf32> -> tensor<4x64xf32>
  return
}

// -----

// fp4.hadamard: size.

func.func @f(%x: tensor<4x256xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'size' must be a power of two in [16, 128], got 8}}
  %h = fp4.hadamard %x {size = 8} : tensor<4x256xf32>
  return
}

// -----

func.func @f(%x: tensor<4x256xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'size' must be a power of two in [16, 128], got 24}}
  %h = fp4.hadamard %x {size = 24} : tensor<4x256xf32>
  return
}

// -----

func.func @f(%x: tensor<4x256xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'size' must be a power of two in [16, 128], got 256}}
  %h = fp4.hadamard %x {size = 256} : tensor<4x256xf32>
  return
}

// -----

func.func @f(%x: tensor<4x256xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'size' must be a power of two in [16, 128], got 0}}
  %h = fp4.hadamard %x {size = 0} : tensor<4x256xf32>
  return
}

// -----

func.func @f(%x: tensor<4x256xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'size' must be a power of two in [16, 128], got -16}}
  %h = fp4.hadamard %x {size = -16} : tensor<4x256xf32>
  return
}

// -----

func.func @f(%x: tensor<4x256xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'size' must be a power of two in [16, 128], got 48}}
  %h = fp4.hadamard %x {size = 48} : tensor<4x256xf32>
  return
}

// -----

func.func @f(%x: tensor<4x256xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'size' must be a power of two in [16, 128], got 9223372036854775807}}
  %h = fp4.hadamard %x {size = 9223372036854775807} : tensor<4x256xf32>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op requires attribute 'size'}}
  %h = fp4.hadamard %x : tensor<4x64xf32>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{custom op 'fp4.hadamard' 'fp4.hadamard' op attribute 'size' failed to satisfy constraint: 64-bit signless integer attribute}}
  %h = fp4.hadamard %x {size = 16 : i32} : tensor<4x64xf32>
  return
}

// -----

// fp4.hadamard: signs.

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'signs' must hold 'size' (16) values, got 4}}
  %h = fp4.hadamard %x {size = 16, signs = array<i8: 1, -1, 1, 1>} : tensor<4x64xf32>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'signs' must hold 'size' (16) values, got 0}}
  %h = fp4.hadamard %x {size = 16, signs = array<i8>} : tensor<4x64xf32>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'signs' values must be +1 or -1, got 0 at index 2}}
  %h = fp4.hadamard %x {size = 16, signs = array<i8: 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>} : tensor<4x64xf32>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'signs' values must be +1 or -1, got 2 at index 15}}
  %h = fp4.hadamard %x {size = 16, signs = array<i8: 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2>} : tensor<4x64xf32>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{custom op 'fp4.hadamard' 'fp4.hadamard' op attribute 'signs' failed to satisfy constraint: i8 dense array attribute}}
  %h = fp4.hadamard %x {size = 16, signs = array<i32: 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>} : tensor<4x64xf32>
  return
}

// -----

// fp4.hadamard: input shape.

func.func @f(%x: tensor<4x48xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'input' last dimension (48) must be a multiple of 'size' (32)}}
  %h = fp4.hadamard %x {size = 32} : tensor<4x48xf32>
  return
}

// -----

func.func @f(%x: tensor<64x8xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'input' last dimension (8) must be a multiple of 'size' (16)}}
  %h = fp4.hadamard %x {size = 16} : tensor<64x8xf32>
  return
}

// -----

func.func @f(%x: tensor<0x16xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'input' dimension 0 must be a positive static size, got 0}}
  %h = fp4.hadamard %x {size = 16} : tensor<0x16xf32>
  return
}

// -----

func.func @f(%x: tensor<4x0xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'input' dimension 1 must be a positive static size, got 0}}
  %h = fp4.hadamard %x {size = 16} : tensor<4x0xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'input' dimension 0 must be a positive static size, got '?'}}
  %h = fp4.hadamard %x {size = 16} : tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<f32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'input' must have rank >= 1}}
  %h = fp4.hadamard %x {size = 16} : tensor<f32>
  return
}

// -----

func.func @f(%x: tensor<9223372036854775807x9223372036854775807x16xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op 'input' must have at most 2^63-1 elements (the product of its dimensions overflows int64)}}
  %h = fp4.hadamard %x {size = 16} : tensor<9223372036854775807x9223372036854775807x16xf32>
  return
}

// -----

func.func @f(%x: tensor<4x64xf64>) {
  // expected-error @+1 {{'fp4.hadamard' op operand #0 must be ranked tensor of f32, bf16 or f16, but got 'tensor<4x64xf64>'}}
  %h = fp4.hadamard %x {size = 16} : tensor<4x64xf64>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.hadamard' op failed to verify that all of {input, result} have same type}}
  %h = "fp4.hadamard"(%x) <{size = 16 : i64}> : (tensor<4x64xf32>) -> tensor<4x64xf16>
  return
}

// -----

// fp4.scale_select: scales shape.

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'scales' must have the rank of 'input' (2), got 1}}
  %s, %a = fp4.scale_select %x : tensor<4x64xf32> -> tensor<4xf8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'scales' dimension 1 (3) must divide the input's (64)}}
  %s, %a = fp4.scale_select %x : tensor<4x64xf32> -> tensor<4x3xf8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'scales' dimension 0 (3) must divide the input's (4)}}
  %s, %a = fp4.scale_select %x : tensor<4x64xf32> -> tensor<3x4xf8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<2x32x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'scales' batch dimension 0 must equal the input's (2), got 3}}
  %s, %a = fp4.scale_select %x : tensor<2x32x64xf32> -> tensor<3x2x4xf8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'scales' shape 4x8 implies 1x8 blocks of the input 4x64, expected 1x16 or 16x16 blocks for nvfp4}}
  %s, %a = fp4.scale_select %x : tensor<4x64xf32> -> tensor<4x8xf8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'scales' shape 2 implies 1x32 blocks of the input 64, expected 1x16 or 16x16 blocks for nvfp4}}
  %s, %a = fp4.scale_select %x : tensor<64xf32> -> tensor<2xf8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<32x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'scales' shape 4x4 implies 8x16 blocks of the input 32x64, expected 1x16 or 16x16 blocks for nvfp4}}
  %s, %a = fp4.scale_select %x : tensor<32x64xf32> -> tensor<4x4xf8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'scales' shape 4x4 implies 1x16 blocks of the input 4x64, expected 1x32 blocks for mxfp4}}
  %s = fp4.scale_select %x : tensor<4x64xf32> -> tensor<4x4xf8E8M0FNU>
  return
}

// -----

func.func @f(%x: tensor<32x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'scales' shape 2x2 implies 16x32 blocks of the input 32x64, expected 1x32 blocks for mxfp4}}
  %s = fp4.scale_select %x : tensor<32x64xf32> -> tensor<2x2xf8E8M0FNU>
  return
}

// -----

func.func @f(%x: tensor<4x48xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'scales' shape 4x1 implies 1x48 blocks of the input 4x48, expected 1x32 blocks for mxfp4}}
  %s = fp4.scale_select %x : tensor<4x48xf32> -> tensor<4x1xf8E8M0FNU>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'scales' dimension 1 must be a positive static size, got 0}}
  %s, %a = fp4.scale_select %x : tensor<4x64xf32> -> tensor<4x0xf8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'scales' dimension 1 must be a positive static size, got '?'}}
  %s, %a = fp4.scale_select %x : tensor<4x64xf32> -> tensor<4x?xf8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'input' dimension 0 must be a positive static size, got '?'}}
  %s, %a = fp4.scale_select %x : tensor<?x64xf32> -> tensor<4x4xf8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<f32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'input' must have rank >= 1}}
  %s, %a = fp4.scale_select %x : tensor<f32> -> tensor<f8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<9223372036854775807x16xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op 'input' must have at most 2^63-1 elements (the product of its dimensions overflows int64)}}
  %s, %a = fp4.scale_select %x : tensor<9223372036854775807x16xf32> -> tensor<1x1xf8E4M3FN>, f32
  return
}

// -----

// fp4.scale_select: format, rule, amax and alpha.

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op nvfp4 scale selection must also return the f32 tensor scale 'alpha'}}
  %s = fp4.scale_select %x : tensor<4x64xf32> -> tensor<4x4xf8E4M3FN>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op mxfp4 scale selection returns no tensor scale}}
  %s, %a = fp4.scale_select %x : tensor<4x64xf32> -> tensor<4x2xf8E8M0FNU>, f32
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op rule 'static6' is not valid for mxfp4 (expected mx_ceil or mx_floor)}}
  %s = fp4.scale_select %x {rule = #fp4.rule<static6>} : tensor<4x64xf32> -> tensor<4x2xf8E8M0FNU>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op rule 'four_over_six' is not valid for mxfp4 (expected mx_ceil or mx_floor)}}
  %s = fp4.scale_select %x {rule = #fp4.rule<four_over_six, mae>} : tensor<4x64xf32> -> tensor<4x2xf8E8M0FNU>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op rule 'mx_floor' is not valid for nvfp4 (expected static6, static4 or four_over_six)}}
  %s, %a = fp4.scale_select %x {rule = #fp4.rule<mx_floor>} : tensor<4x64xf32> -> tensor<4x4xf8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %am: f32) {
  // expected-error @+1 {{'fp4.scale_select' op 'amax' operand requires nvfp4 scales (f8E4M3FN)}}
  %s = fp4.scale_select %x amax(%am) : tensor<4x64xf32>, f32 -> tensor<4x2xf8E8M0FNU>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %am: i64) {
  // expected-error @+1 {{'fp4.scale_select' op operand #1 must be 32-bit float, but got 'i64'}}
  %s, %a = fp4.scale_select %x amax(%am) : tensor<4x64xf32>, i64 -> tensor<4x4xf8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op result #1 must be 32-bit float, but got 'f16'}}
  %s, %a = fp4.scale_select %x : tensor<4x64xf32> -> tensor<4x4xf8E4M3FN>, f16
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op result #0 must be ranked tensor of f8E4M3FN or f8E8M0FNU, but got 'tensor<4x4xf32>'}}
  %s, %a = fp4.scale_select %x : tensor<4x64xf32> -> tensor<4x4xf32>, f32
  return
}

// -----

func.func @f(%x: tensor<4x64xf64>) {
  // expected-error @+1 {{'fp4.scale_select' op operand #0 must be ranked tensor of f32, bf16 or f16, but got 'tensor<4x64xf64>'}}
  %s, %a = fp4.scale_select %x : tensor<4x64xf64> -> tensor<4x4xf8E4M3FN>, f32
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op result group starting at #1 requires 0 or 1 element, but found 2}}
  %s:3 = "fp4.scale_select"(%x) : (tensor<4x64xf32>) -> (tensor<4x4xf8E4M3FN>, f32, f32)
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %am: f32) {
  // expected-error @+1 {{'fp4.scale_select' op operand group starting at #1 requires 0 or 1 element, but found 2}}
  %s:2 = "fp4.scale_select"(%x, %am, %am) : (tensor<4x64xf32>, f32, f32) -> (tensor<4x4xf8E4M3FN>, f32)
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'fp4.scale_select' op expected 1 or more results}}
  "fp4.scale_select"(%x) : (tensor<4x64xf32>) -> ()
  return
}

// -----

// fp4.matmul.

func.func @f(%a: !fp4.tensor<4x64, nvfp4>, %b: !fp4.tensor<32x64, mxfp4>) {
  // expected-error @+1 {{'fp4.matmul' op 'lhs' (nvfp4) and 'rhs' (mxfp4) must have the same format}}
  %c = fp4.matmul %a, %b : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<32x64, mxfp4> -> tensor<4x32xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<4x64, mxfp4>, %b: !fp4.tensor<32x64, nvfp4, block = 16x16>) {
  // expected-error @+1 {{'fp4.matmul' op 'lhs' (mxfp4) and 'rhs' (nvfp4) must have the same format}}
  %c = fp4.matmul %a, %b : !fp4.tensor<4x64, mxfp4>, !fp4.tensor<32x64, nvfp4, block = 16x16> -> tensor<4x32xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<4x64, nvfp4>, %b: !fp4.tensor<32x32, nvfp4>) {
  // expected-error @+1 {{'fp4.matmul' op 'lhs' K (64) must equal 'rhs' K (32)}}
  %c = fp4.matmul %a, %b : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<32x32, nvfp4> -> tensor<4x32xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<64, nvfp4>, %b: !fp4.tensor<32x64, nvfp4>) {
  // expected-error @+1 {{'fp4.matmul' op 'lhs' must have rank >= 2 (M x K), got rank 1}}
  %c = fp4.matmul %a, %b : !fp4.tensor<64, nvfp4>, !fp4.tensor<32x64, nvfp4> -> tensor<32xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<4x64, nvfp4>, %b: !fp4.tensor<64, nvfp4>) {
  // expected-error @+1 {{'fp4.matmul' op 'rhs' must be N x K or have the rank of 'lhs' (2), got rank 1}}
  %c = fp4.matmul %a, %b : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<64, nvfp4> -> tensor<4xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<4x64, nvfp4>, %b: !fp4.tensor<2x32x64, nvfp4>) {
  // expected-error @+1 {{'fp4.matmul' op 'rhs' must be N x K or have the rank of 'lhs' (2), got rank 3}}
  %c = fp4.matmul %a, %b : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<2x32x64, nvfp4> -> tensor<2x4x32xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<2x4x64, nvfp4>, %b: !fp4.tensor<2x2x32x64, nvfp4>) {
  // expected-error @+1 {{'fp4.matmul' op 'rhs' must be N x K or have the rank of 'lhs' (3), got rank 4}}
  %c = fp4.matmul %a, %b : !fp4.tensor<2x4x64, nvfp4>, !fp4.tensor<2x2x32x64, nvfp4> -> tensor<2x4x32xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<2x4x64, nvfp4>, %b: !fp4.tensor<3x32x64, nvfp4>) {
  // expected-error @+1 {{'fp4.matmul' op 'rhs' batch dimensions 3 must equal the 'lhs' ones 2}}
  %c = fp4.matmul %a, %b : !fp4.tensor<2x4x64, nvfp4>, !fp4.tensor<3x32x64, nvfp4> -> tensor<2x4x32xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<2x3x4x64, mxfp4>, %b: !fp4.tensor<3x2x32x64, mxfp4>) {
  // expected-error @+1 {{'fp4.matmul' op 'rhs' batch dimensions 3x2 must equal the 'lhs' ones 2x3}}
  %c = fp4.matmul %a, %b : !fp4.tensor<2x3x4x64, mxfp4>, !fp4.tensor<3x2x32x64, mxfp4> -> tensor<2x3x4x32xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<4x64, nvfp4>, %b: !fp4.tensor<32x64, nvfp4>) {
  // expected-error @+1 {{'fp4.matmul' op result shape 32x4 must match the expected [batch..., M, N] shape 4x32}}
  %c = fp4.matmul %a, %b : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<32x64, nvfp4> -> tensor<32x4xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<2x4x64, nvfp4>, %b: !fp4.tensor<32x64, nvfp4>) {
  // expected-error @+1 {{'fp4.matmul' op result shape 4x32 must match the expected [batch..., M, N] shape 2x4x32}}
  %c = fp4.matmul %a, %b : !fp4.tensor<2x4x64, nvfp4>, !fp4.tensor<32x64, nvfp4> -> tensor<4x32xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<4x64, nvfp4>, %b: !fp4.tensor<32x64, nvfp4>) {
  // expected-error @+1 {{'fp4.matmul' op result shape ?x32 must match the expected [batch..., M, N] shape 4x32}}
  %c = fp4.matmul %a, %b : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<32x64, nvfp4> -> tensor<?x32xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<4x64, nvfp4>, %b: !fp4.tensor<32x64, nvfp4>) {
  // expected-error @+1 {{'fp4.matmul' op result #0 must be ranked tensor of f32 or bf16, but got 'tensor<4x32xi32>'}}
  %c = fp4.matmul %a, %b : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<32x64, nvfp4> -> tensor<4x32xi32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<4x64, nvfp4>, %b: !fp4.tensor<32x64, nvfp4>) {
  // expected-error @+1 {{'fp4.matmul' op result #0 must be ranked tensor of f32 or bf16, but got 'tensor<4x32xf16>'}}
  %c = fp4.matmul %a, %b : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<32x64, nvfp4> -> tensor<4x32xf16>
  return
}

// -----

func.func @f(%a: !fp4.tensor<4x64, nvfp4>, %b: tensor<32x64xf32>) {
  // expected-error @+1 {{'fp4.matmul' op operand #1 must be block-scaled 4-bit tensor, but got 'tensor<32x64xf32>'}}
  %c = fp4.matmul %a, %b : !fp4.tensor<4x64, nvfp4>, tensor<32x64xf32> -> tensor<4x32xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<4x64, nvfp4>, %b: !fp4.tensor<32x64, nvfp4>) {
  // expected-error @+1 {{custom op 'fp4.matmul' invalid kind of type specified: expected builtin.tensor, but found 'f32'}}
  %c = fp4.matmul %a, %b : !fp4.tensor<4x64, nvfp4>, !fp4.tensor<32x64, nvfp4> -> f32
  return
}

// -----

func.func @f(%a: !fp4.tensor<4294967296x16, nvfp4>, %b: !fp4.tensor<4294967296x16, nvfp4>) {
  // expected-error @+1 {{'fp4.matmul' op result must have at most 2^63-1 elements (the product of its dimensions overflows int64)}}
  %c = fp4.matmul %a, %b : !fp4.tensor<4294967296x16, nvfp4>, !fp4.tensor<4294967296x16, nvfp4> -> tensor<4294967296x4294967296xf32>
  return
}

// -----

func.func @f(%a: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{'fp4.matmul' op expected 2 operands, but found 1}}
  %c = "fp4.matmul"(%a) : (!fp4.tensor<4x64, nvfp4>) -> tensor<4x4xf32>
  return
}

// -----

// fp4.values, fp4.scales, fp4.tensor_scale.

func.func @f(%q: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{'fp4.values' op result must be 'tensor<4x32xi8>' (two E2M1 codes per byte along the last dimension), got 'tensor<4x64xi8>'}}
  %v = fp4.values %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x64xi8>
  return
}

// -----

func.func @f(%q: !fp4.tensor<32x64, nvfp4, block = 16x16>) {
  // expected-error @+1 {{'fp4.values' op result must be 'tensor<32x32xi8>' (two E2M1 codes per byte along the last dimension), got 'tensor<2x32xi8>'}}
  %v = fp4.values %q : !fp4.tensor<32x64, nvfp4, block = 16x16> -> tensor<2x32xi8>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{'fp4.values' op result #0 must be ranked tensor of i8, but got 'tensor<4x32xi4>'}}
  %v = fp4.values %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xi4>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, mxfp4>) {
  // expected-error @+1 {{'fp4.values' op result #0 must be ranked tensor of i8, but got 'tensor<4x32xui8>'}}
  %v = fp4.values %q : !fp4.tensor<4x64, mxfp4> -> tensor<4x32xui8>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{'fp4.values' op result #0 must be ranked tensor of i8, but got 'tensor<4x32xf4E2M1FN>'}}
  %v = fp4.values %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x32xf4E2M1FN>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{'fp4.scales' op result must be 'tensor<4x4xf8E4M3FN>' (one scale per block), got 'tensor<4x2xf8E4M3FN>'}}
  %s = fp4.scales %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x2xf8E4M3FN>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{'fp4.scales' op result must be 'tensor<4x4xf8E4M3FN>' (one scale per block), got 'tensor<4x4xf8E8M0FNU>'}}
  %s = fp4.scales %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf8E8M0FNU>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, mxfp4>) {
  // expected-error @+1 {{'fp4.scales' op result must be 'tensor<4x2xf8E8M0FNU>' (one scale per block), got 'tensor<4x2xf8E4M3FN>'}}
  %s = fp4.scales %q : !fp4.tensor<4x64, mxfp4> -> tensor<4x2xf8E4M3FN>
  return
}

// -----

func.func @f(%q: !fp4.tensor<32x64, nvfp4, block = 16x16>) {
  // expected-error @+1 {{'fp4.scales' op result must be 'tensor<2x4xf8E4M3FN>' (one scale per block), got 'tensor<32x4xf8E4M3FN>'}}
  %s = fp4.scales %q : !fp4.tensor<32x64, nvfp4, block = 16x16> -> tensor<32x4xf8E4M3FN>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{'fp4.scales' op result #0 must be ranked tensor of f8E4M3FN or f8E8M0FNU, but got 'tensor<4x4xf32>'}}
  %s = fp4.scales %q : !fp4.tensor<4x64, nvfp4> -> tensor<4x4xf32>
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, mxfp4>) {
  // expected-error @+1 {{'fp4.tensor_scale' op 'input' must be nvfp4: mxfp4 tensors have no tensor scale}}
  %t = fp4.tensor_scale %q : !fp4.tensor<4x64, mxfp4> -> f32
  return
}

// -----

func.func @f(%q: !fp4.tensor<4x64, nvfp4>) {
  // expected-error @+1 {{'fp4.tensor_scale' op result #0 must be 32-bit float, but got 'f16'}}
  %t = fp4.tensor_scale %q : !fp4.tensor<4x64, nvfp4> -> f16
  return
}

// -----

// fp4.pack.

func.func @f(%v: tensor<4x64xi8>, %s: tensor<4x4xf8E4M3FN>, %t: f32) {
  // expected-error @+1 {{'fp4.pack' op 'values' operand must be 'tensor<4x32xi8>' (two E2M1 codes per byte along the last dimension), got 'tensor<4x64xi8>'}}
  %p = fp4.pack %v, %s, %t : tensor<4x64xi8>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%v: tensor<4x32xi16>, %s: tensor<4x4xf8E4M3FN>, %t: f32) {
  // expected-error @+1 {{'fp4.pack' op operand #0 must be ranked tensor of i8, but got 'tensor<4x32xi16>'}}
  %p = fp4.pack %v, %s, %t : tensor<4x32xi16>, tensor<4x4xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%v: tensor<4x32xi8>, %s: tensor<4x2xf8E4M3FN>, %t: f32) {
  // expected-error @+1 {{'fp4.pack' op 'scales' operand must be 'tensor<4x4xf8E4M3FN>' (one scale per block), got 'tensor<4x2xf8E4M3FN>'}}
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x2xf8E4M3FN>, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%v: tensor<32x32xi8>, %s: tensor<32x4xf8E4M3FN>, %t: f32) {
  // expected-error @+1 {{'fp4.pack' op 'scales' operand must be 'tensor<2x4xf8E4M3FN>' (one scale per block), got 'tensor<32x4xf8E4M3FN>'}}
  %p = fp4.pack %v, %s, %t : tensor<32x32xi8>, tensor<32x4xf8E4M3FN>, f32 -> !fp4.tensor<32x64, nvfp4, block = 16x16>
  return
}

// -----

func.func @f(%v: tensor<4x32xi8>, %s: tensor<4x2xf8E4M3FN>) {
  // expected-error @+1 {{'fp4.pack' op 'scales' operand must be 'tensor<4x2xf8E8M0FNU>' (one scale per block), got 'tensor<4x2xf8E4M3FN>'}}
  %p = fp4.pack %v, %s : tensor<4x32xi8>, tensor<4x2xf8E4M3FN> -> !fp4.tensor<4x64, mxfp4>
  return
}

// -----

func.func @f(%v: tensor<4x32xi8>, %s: tensor<4x4xf32>, %t: f32) {
  // expected-error @+1 {{'fp4.pack' op operand #1 must be ranked tensor of f8E4M3FN or f8E8M0FNU, but got 'tensor<4x4xf32>'}}
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf32>, f32 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%v: tensor<4x32xi8>, %s: tensor<4x4xf8E4M3FN>) {
  // expected-error @+1 {{'fp4.pack' op an nvfp4 result needs the f32 'alpha' operand}}
  %p = fp4.pack %v, %s : tensor<4x32xi8>, tensor<4x4xf8E4M3FN> -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%v: tensor<4x32xi8>, %s: tensor<4x2xf8E8M0FNU>, %t: f32) {
  // expected-error @+1 {{'fp4.pack' op an mxfp4 result takes no 'alpha' operand}}
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x2xf8E8M0FNU>, f32 -> !fp4.tensor<4x64, mxfp4>
  return
}

// -----

func.func @f(%v: tensor<4x32xi8>, %s: tensor<4x4xf8E4M3FN>, %t: f16) {
  // expected-error @+1 {{'fp4.pack' op operand #2 must be 32-bit float, but got 'f16'}}
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f16 -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%v: tensor<4x32xi8>, %s: tensor<4x4xf8E4M3FN>, %t: f32) {
  // expected-error @+1 {{'fp4.pack' op result #0 must be block-scaled 4-bit tensor, but got 'tensor<4x64xf32>'}}
  %p = fp4.pack %v, %s, %t : tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32 -> tensor<4x64xf32>
  return
}

// -----

func.func @f(%v: tensor<4x32xi8>, %s: tensor<4x4xf8E4M3FN>, %t: f32) {
  // expected-error @+1 {{'fp4.pack' op operand group starting at #2 requires 0 or 1 element, but found 2}}
  %p = "fp4.pack"(%v, %s, %t, %t) : (tensor<4x32xi8>, tensor<4x4xf8E4M3FN>, f32, f32) -> !fp4.tensor<4x64, nvfp4>
  return
}

// -----

func.func @f(%v: tensor<4x32xi8>) {
  // expected-error @+1 {{'fp4.pack' op expected 2 or more operands, but found 1}}
  %p = "fp4.pack"(%v) : (tensor<4x32xi8>) -> !fp4.tensor<4x64, nvfp4>
  return
}
