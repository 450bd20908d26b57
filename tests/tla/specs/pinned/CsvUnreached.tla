---- MODULE CsvUnreached ----
\* The CSV module's operators read and write files outside the model, which the engine
\* refuses when it evaluates one; a spec that names them still loads, and gets TLC's verdict
\* when checking stops before them (here at the first ASSUME: TLCGet("config") has no field
\* sched outside simulation).
EXTENDS Naturals, TLC, CSV
VARIABLE x
ASSUME TLCGet("config").sched = "rl"
ASSUME CSVRecords("CsvUnreached.csv") >= 0
Init == x = 0
Next == x < 2 /\ x' = x + 1
====
