; The LLVM part of the test guests' workload, run by lli (LLVM's JIT, which loads the 110 MB libLLVM):
; creates the file named by its argument once compiled and running, then sleeps forever.
declare i32 @sleep(i32)
declare i32 @creat(i8*, i32)

define i32 @main(i32 %argc, i8** %argv) {
entry:
  %slot = getelementptr i8*, i8** %argv, i64 1
  %path = load i8*, i8** %slot
  %fd = call i32 @creat(i8* %path, i32 420)
  br label %loop
loop:
  %ignored = call i32 @sleep(i32 3600)
  br label %loop
}
