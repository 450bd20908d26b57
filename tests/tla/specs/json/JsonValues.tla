---------------------------- MODULE JsonValues ----------------------------
(* The Json module's conversions, each checked by TLC (tla2tools with its bundled Json)
   and by the engine: every ASSUME below holds under both. *)
EXTENDS Json, Integers, Sequences, TLC, TLCExt

CONSTANT MV

\* TLA+ values written as JSON text (compact, as TLC's Gson writes it)
ASSUME AssertEq(ToJson(FALSE), "false")
ASSUME AssertEq(ToJson(-5), "-5")
ASSUME AssertEq(ToJson("a\"b"), "\"a\\\"b\"")
ASSUME AssertEq(ToJson(MV), "\"MV\"")
ASSUME AssertEq(ToJson(<<3, 2, 1>>), "[3,2,1]")
ASSUME AssertEq(ToJson({3, 2, 1}), "[1,2,3]")
ASSUME AssertEq(ToJson(1..3), "[1,2,3]")
ASSUME AssertEq(ToJson(SUBSET {2, 1}), "[[],[1],[2],[1,2]]")
ASSUME AssertEq(ToJson({2, 1} \X {"b", "a"}), "[[1,\"a\"],[1,\"b\"],[2,\"a\"],[2,\"b\"]]")
ASSUME AssertEq(ToJson([zz |-> 1, yy |-> <<TRUE>>]), "{\"zz\":1,\"yy\":[true]}")
ASSUME AssertEq(ToJson(3 :> "c" @@ 2 :> "b" @@ 1 :> "a"), "[\"a\",\"b\",\"c\"]")
ASSUME AssertEq(ToJson(0 :> "z" @@ 1 :> "o"), "{\"0\":\"z\",\"1\":\"o\"}")
ASSUME AssertEq(ToJson([x \in {3, 2, 1} |-> 2 * x + 1]), "[3,5,7]")
ASSUME AssertEq(ToJson(<<>>), "[]")
ASSUME AssertEq(ToJson({}), "[]")
ASSUME AssertEq(ToJsonArray({"foo"}), "[\"foo\"]")
ASSUME AssertEq(ToJsonArray(0 :> "z" @@ 1 :> "o"), "{\"0\":\"z\",\"1\":\"o\"}")
ASSUME AssertEq(ToJsonObject([a |-> {<<1, 2>>}, b |-> [c |-> 3]]),
                "{\"a\":[[1,2]],\"b\":{\"c\":3}}")
ASSUME AssertEq(ToJsonObject([n \in 1..2 |-> "a"]), "[\"a\",\"a\"]")

\* JSON read into TLA+ values: numbers as Java's int (truncated, low 32 bits), objects as
\* records, arrays as sequences; blank lines of an ndjson file are skipped
Lines == ndJsonDeserialize("values.ndjson")
ASSUME AssertEq(Len(Lines), 4)
ASSUME AssertEq(Lines[1], [k |-> 1, z |-> -25, a |-> <<1, [x |-> TRUE]>>, s |-> "str"])
ASSUME AssertEq(Lines[2], <<-1294967296, 1942892530, 0>>)
ASSUME AssertEq(Lines[3], "plain")
ASSUME AssertEq(Lines[4], <<>>)
ASSUME AssertEq(JsonDeserialize("value.json"), [log |-> <<[term |-> 1], [term |-> 2]>>])

\* A value written and read back is the same value
ASSUME LET v == <<[a |-> 3], 2, <<<<1, 2>>, "look">>, <<[b |-> [c |-> <<4, 5, 6>>]]>>>>
       IN /\ JsonSerialize("out/roundtrip.json", v)
          /\ AssertEq(JsonDeserialize("out/roundtrip.json"), v)
ASSUME LET v == <<[a |-> 1], 2, "s", <<>>>>
       IN /\ ndJsonSerialize("out/roundtrip.ndjson", v)
          /\ AssertEq(ndJsonDeserialize("out/roundtrip.ndjson"), v)
=============================================================================
