------------------------------ MODULE MultiPaxos ------------------------------
(***************************************************************************)
(* Multi-Paxos for state machine replication, cut so that every action is *)
(* one atomic step of one server (a handler run to completion, persisting  *)
(* before it answers) or one event of the network or of a crash.  The      *)
(* conformance checker replays an implementation's trace through these     *)
(* actions one step at a time.                                             *)
(*                                                                         *)
(* Every server is a proposer, an acceptor and a replica.  A server that   *)
(* times out starts a ballot and runs phase 1 once, for every slot from    *)
(* the first one it does not know decided; with promises from a quorum it  *)
(* leads: it re-proposes, slot by slot, the value of the highest-ballot    *)
(* proposal the promises report, fills the slots between with no-ops (one  *)
(* slot per step, so a takeover of a long log goes in bounded batches),    *)
(* and runs phase 2 alone for each new client command, in the next slot    *)
(* after everything reported.  A slot accepted by a quorum in the leader's ballot is decided;   *)
(* the leader tells the others, and every replica executes the decided     *)
(* slots in slot order, never past a slot it does not know.                *)
(*                                                                         *)
(* Acceptors keep their promise and their accepted proposals on stable     *)
(* storage, proposers their ballot, and replicas the decisions they learn  *)
(* (synced before they are executed).  A restarted replica executes its    *)
(* decided prefix again, and its next phase 1 starts after that prefix:    *)
(* a takeover re-proposes only the slots not known decided, whatever the   *)
(* length of the log.                                                      *)
(*                                                                         *)
(* The constant Bug switches exactly one rule off, so that each key        *)
(* invariant can be shown to bite (the *Bug* models).  It is "None" in     *)
(* every correct model and for trace validation.                           *)
(***************************************************************************)
EXTENDS Integers, Sequences, FiniteSets, Bags, TLC

CONSTANTS
    Server,         \* every server: proposer, acceptor and replica
    Value,          \* the commands clients submit
    NoOp,           \* the command a new leader fills a gap with
    Nil,            \* "no value"
    Bug             \* "None", or the name of the one rule switched off

\* Bounds for model checking only (StateConstraint, ModelNext).  No action
\* depends on them, so trace validation never meets them.
CONSTANTS MaxBallot, MaxSlot, MaxInFlight, MaxCopies, Faults, Resend

Bugs == {"None",
         "SkipReproposal",          \* a new leader re-proposes nothing
         "ExecuteOutOfOrder",       \* execute a slot as soon as it is decided
         "AcceptBelowPromise",      \* an acceptor accepts below its promise
         "ForgetPromiseOnRestart"}  \* the promise is not durable

ASSUME /\ Server # {}
       /\ NoOp \notin Value /\ Nil \notin Value \cup {NoOp}
       /\ Bug \in Bugs
       /\ Faults \subseteq {"Drop", "Duplicate", "Restart"}
       /\ Resend \in BOOLEAN
       /\ {MaxBallot, MaxSlot, MaxInFlight, MaxCopies} \subseteq Nat

Command == Value \cup {NoOp}

\* Ballots and slots are natural numbers (slots from 1); NoBallot is the
\* ballot of "nothing promised" (as NO_BALLOT in impl/paxos/rules.py).
NoBallot == -1

Roles == {"Follower", "Candidate", "Leader"}

-----------------------------------------------------------------------------
(* Variables.                                                              *)

\* Durable: written to stable storage before the step that changes them
\* answers anyone; they survive Restart.
VARIABLES
    promised,       \* [Server -> Int]: highest ballot promised (NoBallot)
    accepted,       \* [Server -> function slot -> [bal, val]]: per slot, the
                    \*   latest proposal accepted (slots with none are absent)
    ballot          \* [Server -> Int]: the latest ballot it started (NoBallot)

\* Volatile: lost on Restart, except decided (durable, see Restart) and
\* executed (recomputed from decided on Restart).
VARIABLES
    role,           \* [Server -> Roles]
    firstSlot,      \* [Server -> Nat]: the first slot its phase 1 covers
                    \*   (candidate and leader; 0 otherwise)
    promises,       \* [Server -> function acceptor -> accepted proposals it
                    \*   reported]: candidate, and leader (what it re-proposes
                    \*   from); else empty
    proposals,      \* [Server -> function slot -> [val, acks]]: leader only:
                    \*   what it proposed in its ballot and who accepted it
    decided,        \* [Server -> function slot -> Command]: slots it knows decided
                    \*   (durable: it survives Restart)
    executed        \* [Server -> Seq(Command)]: the commands it executed, in order

\* The network: a bag (multiset) of messages, [Message -> count >= 1].
VARIABLE msgs

\* Ghost (history) variables: no implementation knows them; a validator
\* computes them from the spec's own actions.
VARIABLES
    votes,          \* [Server -> set of [slot, bal, val]]: every proposal it accepted
    started         \* set of [bal, proposer]: who started which ballot

durableVars == <<promised, accepted, ballot>>
leaderVars  == <<role, firstSlot, promises, proposals>>
replicaVars == <<decided, executed>>
ghostVars   == <<votes, started>>
vars == <<durableVars, leaderVars, replicaVars, msgs, ghostVars>>

-----------------------------------------------------------------------------
(* Shapes of messages (MessageOK says it in TLA+):                         *)
(*                                                                         *)
(*   [type |-> "Prepare", bal, first, source, dest]                        *)
(*   [type |-> "Promise", bal, accepted, source, dest]                     *)
(*       accepted: its accepted proposals for the slots >= the first       *)
(*   [type |-> "Reject", bal, source, dest]   bal: the acceptor's promise  *)
(*   [type |-> "Accept", bal, slot, val, source, dest]                     *)
(*   [type |-> "Accepted", bal, slot, source, dest]                        *)
(*   [type |-> "Decide", slot, val, source, dest]                          *)
(*   [type |-> "Heartbeat", bal, source, dest]                             *)
(*   [type |-> "HeartbeatReply", bal, decided, source, dest]               *)
(*       decided: how many slots, from the first, the replier knows        *)

Proposal == [bal: Nat, val: Command]

-----------------------------------------------------------------------------
(* Helpers.  IsQuorum and the choice of a slot's value state the rules of  *)
(* impl/quorum.py and impl/paxos/rules.py.                                 *)

\* The largest of a nonempty set of integers.  (x + 1 \notin S first: of a
\* run of consecutive slots only the last is then compared with all of S, so
\* the maximum of thousands of slots costs thousands of tests, not their
\* square.)
Max(S) == CHOOSE x \in S : x + 1 \notin S /\ \A y \in S : y <= x

\* A strict majority of the servers.
IsQuorum(S) == 2 * Cardinality(S \cap Server) > Cardinality(Server)

\* The function f extended (or overridden) at x with y.
Put(f, x, y) == [z \in DOMAIN f \cup {x} |-> IF z = x THEN y ELSE f[z]]
EmptyFn == [x \in {} |-> Nil]

\* No other server has started ballot b: proposal numbers are unique per
\* proposer (the implementation numbers them round * #servers + index).
BallotFree(i, b) == ~\E s \in started : s.bal = b /\ s.proposer # i

\* How many slots, from slot 1 on, server i knows decided.  (One n holds; the
\* cheap test first, so that only that n is checked slot by slot: a replica
\* that knows thousands of slots decided costs thousands of tests, not their
\* square.)
DecidedPrefix(d) == CHOOSE n \in 0..Cardinality(DOMAIN d) :
                        /\ n + 1 \notin DOMAIN d
                        /\ \A k \in 1..n : k \in DOMAIN d

\* The commands a replica has executed once it learns that the slots new
\* are decided (d: all it knows decided, new included), having executed e
\* before: every decided slot after e, in slot order, up to the first slot
\* it does not know.  (With the bug, the new slots are executed at once, in
\* slot order, whatever is missing before them.)
Execute(e, d, new) ==
    IF Bug = "ExecuteOutOfOrder"
    THEN e \o [x \in 1..Cardinality(new) |->
                   d[CHOOSE k \in new : Cardinality({y \in new : y < k}) = x - 1]]
    ELSE LET n == DecidedPrefix(d)
         IN IF n <= Len(e) THEN e ELSE e \o [x \in 1..(n - Len(e)) |-> d[Len(e) + x]]

\* The proposal for slot k that a leader with promises ps must make: the
\* value of the highest-ballot proposal reported for k, or a no-op when
\* none of the promise quorum accepted anything there (a gap).
SlotValue(ps, k) ==
    LET reported == {ps[a][k] : a \in {a \in DOMAIN ps : k \in DOMAIN ps[a]}}
    IN IF reported = {} THEN NoOp
       ELSE (CHOOSE r \in reported : \A s \in reported : s.bal <= r.bal).val

\* The last slot any promise reports, or first - 1.
TopSlot(ps, first) == Max({first - 1} \cup UNION {DOMAIN ps[a] : a \in DOMAIN ps})

\* The next slot a leader gives a client command: after everything it
\* proposed or knows decided, and after what its phase 1 covered and its
\* promises reported (those slots are for re-proposals).
NextSlot(i) ==
    1 + Max({TopSlot(promises[i], firstSlot[i])} \cup DOMAIN proposals[i]
              \cup DOMAIN decided[i])

\* The slots leader i has still to re-propose: from the first its phase 1
\* covered to the last its promises report, neither proposed yet nor known
\* decided.
Unproposed(i) ==
    {k \in firstSlot[i]..TopSlot(promises[i], firstSlot[i]) :
        k \notin DOMAIN proposals[i] \cup DOMAIN decided[i]}

Send(ms) == msgs (+) SetToBag(ms)
Discard(m) == msgs (-) SetToBag({m})
Reply(m, rs) == (msgs (-) SetToBag({m})) (+) SetToBag(rs)
InFlight(m, type, i) == BagIn(m, msgs) /\ m.type = type /\ m.dest = i

AcceptMsgs(i, b, k, v, to) ==
    {[type |-> "Accept", bal |-> b, slot |-> k, val |-> v, source |-> i, dest |-> j] : j \in to}

-----------------------------------------------------------------------------
(* Sub-actions.                                                            *)

\* Server i stops leading or campaigning (a higher ballot exists).
StepDown(i) ==
    /\ role' = [role EXCEPT ![i] = "Follower"]
    /\ firstSlot' = [firstSlot EXCEPT ![i] = 0]
    /\ promises' = [promises EXCEPT ![i] = EmptyFn]
    /\ proposals' = [proposals EXCEPT ![i] = EmptyFn]

\* A message of ballot b reaches server i: if i leads or campaigns in a
\* lower ballot, it steps down; otherwise nothing changes.
Notice(i, b) ==
    IF b > ballot[i] /\ role[i] # "Follower" THEN StepDown(i) ELSE UNCHANGED leaderVars

\* Server i learns the decisions ds (a function slot -> command), and
\* executes what it can.  Slots it already knows decided stay as they are.
LearnAll(i, ds) ==
    LET new == {k \in DOMAIN ds : k \notin DOMAIN decided[i]}
        d == [k \in DOMAIN decided[i] \cup new |->
                 IF k \in new THEN ds[k] ELSE decided[i][k]]
    IN /\ decided' = [decided EXCEPT ![i] = d]
       /\ executed' = [executed EXCEPT ![i] = Execute(@, d, new)]

Learn(i, k, v) == LearnAll(i, k :> v)

\* Leader i proposes the commands cmds (a function slot -> command) in its
\* ballot b, on top of its proposals old.  Its own acceptor accepts them at
\* once (the leader promised b itself, and persists the acceptance with the
\* rest of the step), it sends them to every other server, and if its own
\* acceptance is already a quorum (a one-server system) they are decided.
\* sent: the messages in flight besides.
Propose(i, b, cmds, old, sent) ==
    LET acc == accepted[i]
    IN /\ proposals' = [proposals EXCEPT ![i] =
              [k \in DOMAIN old \cup DOMAIN cmds |->
                  IF k \in DOMAIN cmds THEN [val |-> cmds[k], acks |-> {i}] ELSE old[k]]]
       /\ accepted' = [accepted EXCEPT ![i] =
              [k \in DOMAIN acc \cup DOMAIN cmds |->
                  IF k \in DOMAIN cmds THEN [bal |-> b, val |-> cmds[k]] ELSE acc[k]]]
       /\ votes' = [votes EXCEPT ![i] =
              @ \cup {[slot |-> k, bal |-> b, val |-> cmds[k]] : k \in DOMAIN cmds}]
       /\ msgs' = sent (+) SetToBag(UNION {AcceptMsgs(i, b, k, cmds[k], Server \ {i}) :
                                          k \in DOMAIN cmds})
       /\ IF IsQuorum({i}) THEN LearnAll(i, cmds) ELSE UNCHANGED replicaVars

\* Candidate i, whose phase 1 covered the slots from first on, has the
\* promises ps of a quorum: it leads, and keeps the promises to re-propose
\* from (Repropose), slot by slot.  (With the bug, it forgets them.)
BecomeLeader(i, ps, sent) ==
    /\ role' = [role EXCEPT ![i] = "Leader"]
    /\ promises' = [promises EXCEPT ![i] = IF Bug = "SkipReproposal" THEN EmptyFn ELSE ps]
    /\ proposals' = [proposals EXCEPT ![i] = EmptyFn]
    /\ msgs' = sent
    /\ UNCHANGED <<accepted, replicaVars, votes>>

-----------------------------------------------------------------------------
(* Initial state.                                                          *)

Init ==
    /\ promised = [i \in Server |-> NoBallot]
    /\ accepted = [i \in Server |-> EmptyFn]
    /\ ballot = [i \in Server |-> NoBallot]
    /\ role = [i \in Server |-> "Follower"]
    /\ firstSlot = [i \in Server |-> 0]
    /\ promises = [i \in Server |-> EmptyFn]
    /\ proposals = [i \in Server |-> EmptyFn]
    /\ decided = [i \in Server |-> EmptyFn]
    /\ executed = [i \in Server |-> <<>>]
    /\ msgs = EmptyBag
    /\ votes = [i \in Server |-> {}]
    /\ started = {}

-----------------------------------------------------------------------------
(* Leaders.                                                                *)

\* Prepare(i, b): i's election timer fires.  It starts ballot b, above any
\* it started or promised and used by no other server, and runs phase 1
\* once for every slot from the first it does not know decided: its own
\* acceptor promises b at once (ballot and promise are persisted together),
\* and it asks every other server.  A server that alone is a quorum leads
\* at once.
Prepare(i, b) ==
    /\ b > ballot[i]
    /\ b > promised[i]
    /\ BallotFree(i, b)
    /\ LET first == DecidedPrefix(decided[i]) + 1
           own == [k \in {s \in DOMAIN accepted[i] : s >= first} |-> accepted[i][k]]
           asks == {[type |-> "Prepare", bal |-> b, first |-> first, source |-> i, dest |-> j] :
                    j \in Server \ {i}}
       IN /\ ballot' = [ballot EXCEPT ![i] = b]
          /\ promised' = [promised EXCEPT ![i] = b]
          /\ firstSlot' = [firstSlot EXCEPT ![i] = first]
          /\ IF IsQuorum({i})
             THEN BecomeLeader(i, i :> own, msgs)
             ELSE /\ role' = [role EXCEPT ![i] = "Candidate"]
                  /\ promises' = [promises EXCEPT ![i] = i :> own]
                  /\ proposals' = [proposals EXCEPT ![i] = EmptyFn]
                  /\ msgs' = Send(asks)
                  /\ UNCHANGED <<accepted, replicaVars, votes>>
    /\ started' = started \cup {[bal |-> b, proposer |-> i]}

\* HandlePromise(i, m): a promise for i's running ballot counts; the one
\* that completes a quorum makes i leader in the same step (BecomeLeader).
HandlePromise(i, m) ==
    /\ InFlight(m, "Promise", i)
    /\ IF role[i] = "Candidate" /\ m.bal = ballot[i]
       THEN LET ps == Put(promises[i], m.source, m.accepted)
            IN IF IsQuorum(DOMAIN ps)
               THEN /\ BecomeLeader(i, ps, Discard(m))
                    /\ UNCHANGED firstSlot
               ELSE /\ promises' = [promises EXCEPT ![i] = ps]
                    /\ msgs' = Discard(m)
                    /\ UNCHANGED <<role, firstSlot, proposals, accepted, replicaVars, votes>>
       ELSE /\ msgs' = Discard(m)
            /\ UNCHANGED <<leaderVars, accepted, replicaVars, votes>>
    /\ UNCHANGED <<promised, ballot, started>>

\* HandleReject(i, m): an acceptor has promised a ballot above i's: i's
\* ballot cannot succeed, so i stops leading or campaigning.
HandleReject(i, m) ==
    /\ InFlight(m, "Reject", i)
    /\ msgs' = Discard(m)
    /\ Notice(i, m.bal)
    /\ UNCHANGED <<durableVars, replicaVars, ghostVars>>

\* ClientRequest(i, v): leader i puts a client's command in its next free
\* slot (Propose).
ClientRequest(i, v) ==
    /\ role[i] = "Leader"
    /\ Propose(i, ballot[i], NextSlot(i) :> v, proposals[i], msgs)
    /\ UNCHANGED <<promised, ballot, role, firstSlot, promises, started>>

\* Repropose(i, k): leader i proposes in slot k, one its promises cover and it
\* has not proposed yet, the value SlotValue gives: the highest-ballot value
\* reported there, or a no-op where nothing was (a gap).  One slot per step,
\* so a takeover re-proposes a long log in as many steps as the leader likes.
Repropose(i, k) ==
    /\ role[i] = "Leader"
    /\ k \in Unproposed(i)
    /\ Propose(i, ballot[i], k :> SlotValue(promises[i], k), proposals[i], msgs)
    /\ UNCHANGED <<promised, ballot, role, firstSlot, promises, started>>

\* HandleAccepted(i, m): an acceptance of a proposal of i's ballot counts;
\* the one that completes a quorum decides the slot: i learns it, executes
\* what it can, and tells every other server.
HandleAccepted(i, m) ==
    /\ InFlight(m, "Accepted", i)
    /\ IF role[i] = "Leader" /\ m.bal = ballot[i] /\ m.slot \in DOMAIN proposals[i]
       THEN LET k == m.slot
                p == proposals[i][k]
                acks == p.acks \cup {m.source}
            IN /\ proposals' = [proposals EXCEPT ![i] = Put(@, k, [p EXCEPT !.acks = acks])]
               /\ IF IsQuorum(acks) /\ k \notin DOMAIN decided[i]
                  THEN /\ Learn(i, k, p.val)
                       /\ msgs' = Reply(m, {[type |-> "Decide", slot |-> k, val |-> p.val,
                                             source |-> i, dest |-> j] : j \in Server \ {i}})
                  ELSE /\ msgs' = Discard(m)
                       /\ UNCHANGED replicaVars
       ELSE /\ msgs' = Discard(m)
            /\ UNCHANGED <<proposals, replicaVars>>
    /\ UNCHANGED <<durableVars, role, firstSlot, promises, ghostVars>>

\* SendAccept(i, j, k): leader i sends its proposal for slot k again to a
\* server j that has not accepted it (the first copy may be lost), while
\* the slot is not decided.
SendAccept(i, j, k) ==
    /\ role[i] = "Leader"
    /\ j # i
    /\ k \in DOMAIN proposals[i]
    /\ k \notin DOMAIN decided[i]
    /\ j \notin proposals[i][k].acks
    /\ msgs' = Send(AcceptMsgs(i, ballot[i], k, proposals[i][k].val, {j}))
    /\ UNCHANGED <<durableVars, leaderVars, replicaVars, ghostVars>>

\* SendDecide(i, j, k): i tells j again that slot k is decided (catching up
\* a replica that missed it, or restarted).
SendDecide(i, j, k) ==
    /\ k \in DOMAIN decided[i]
    /\ j # i
    /\ msgs' = Send({[type |-> "Decide", slot |-> k, val |-> decided[i][k], source |-> i,
                      dest |-> j]})
    /\ UNCHANGED <<durableVars, leaderVars, replicaVars, ghostVars>>

\* Heartbeat(i, j): leader i tells j it is alive (j's election timer starts
\* over; no spec variable keeps time).
Heartbeat(i, j) ==
    /\ role[i] = "Leader"
    /\ j # i
    /\ msgs' = Send({[type |-> "Heartbeat", bal |-> ballot[i], source |-> i, dest |-> j]})
    /\ UNCHANGED <<durableVars, leaderVars, replicaVars, ghostVars>>

\* HandleHeartbeatReply(i, m): i notes how far m's sender has learned (to
\* choose which decisions to send it again); no spec variable changes.
HandleHeartbeatReply(i, m) ==
    /\ InFlight(m, "HeartbeatReply", i)
    /\ msgs' = Discard(m)
    /\ UNCHANGED <<durableVars, leaderVars, replicaVars, ghostVars>>

-----------------------------------------------------------------------------
(* Acceptors and replicas.                                                 *)

\* HandlePrepare(i, m): i promises ballot m.bal unless it promised a higher
\* one, and reports its accepted proposals for the slots from m.first on;
\* otherwise it rejects.  Promising a ballot above its own makes i stop
\* leading or campaigning.
HandlePrepare(i, m) ==
    /\ InFlight(m, "Prepare", i)
    /\ IF m.bal >= promised[i]
       THEN LET acc == accepted[i]
                rep == [k \in {s \in DOMAIN acc : s >= m.first} |-> acc[k]]
            IN /\ promised' = [promised EXCEPT ![i] = m.bal]
               /\ msgs' = Reply(m, {[type |-> "Promise", bal |-> m.bal, accepted |-> rep,
                                     source |-> i, dest |-> m.source]})
               /\ Notice(i, m.bal)
       ELSE /\ msgs' = Reply(m, {[type |-> "Reject", bal |-> promised[i], source |-> i,
                                  dest |-> m.source]})
            /\ UNCHANGED <<promised, leaderVars>>
    /\ UNCHANGED <<accepted, ballot, replicaVars, ghostVars>>

\* HandleAccept(i, m): i accepts the proposal for slot m.slot unless it
\* promised a higher ballot (accepting is also a promise), and tells the
\* leader; otherwise it rejects.
HandleAccept(i, m) ==
    /\ InFlight(m, "Accept", i)
    /\ IF m.bal >= promised[i] \/ Bug = "AcceptBelowPromise"
       THEN /\ promised' = [promised EXCEPT ![i] = IF m.bal > @ THEN m.bal ELSE @]
            /\ accepted' = [accepted EXCEPT ![i] =
                              Put(@, m.slot, [bal |-> m.bal, val |-> m.val])]
            /\ votes' = [votes EXCEPT ![i] =
                           @ \cup {[slot |-> m.slot, bal |-> m.bal, val |-> m.val]}]
            /\ msgs' = Reply(m, {[type |-> "Accepted", bal |-> m.bal, slot |-> m.slot,
                                  source |-> i, dest |-> m.source]})
            /\ Notice(i, m.bal)
       ELSE /\ msgs' = Reply(m, {[type |-> "Reject", bal |-> promised[i], source |-> i,
                                  dest |-> m.source]})
            /\ UNCHANGED <<promised, accepted, votes, leaderVars>>
    /\ UNCHANGED <<ballot, replicaVars, started>>

\* HandleDecide(i, m): i learns that slot m.slot is decided, and executes
\* what it can.
HandleDecide(i, m) ==
    /\ InFlight(m, "Decide", i)
    /\ msgs' = Discard(m)
    /\ Learn(i, m.slot, m.val)
    /\ UNCHANGED <<durableVars, leaderVars, ghostVars>>

\* HandleHeartbeat(i, m): a heartbeat from a ballot below i's promise is
\* rejected (its sender is no longer leader); otherwise i answers how far
\* it has learned, and stops leading or campaigning in a lower ballot.
HandleHeartbeat(i, m) ==
    /\ InFlight(m, "Heartbeat", i)
    /\ IF m.bal >= promised[i]
       THEN /\ msgs' = Reply(m, {[type |-> "HeartbeatReply", bal |-> m.bal,
                                  decided |-> DecidedPrefix(decided[i]), source |-> i,
                                  dest |-> m.source]})
            /\ Notice(i, m.bal)
       ELSE /\ msgs' = Reply(m, {[type |-> "Reject", bal |-> promised[i], source |-> i,
                                  dest |-> m.source]})
            /\ UNCHANGED leaderVars
    /\ UNCHANGED <<durableVars, replicaVars, ghostVars>>

\* ClientReply(i, k): server i tells the client whose command is in slot k
\* that it is done.  It changes nothing and is no step of Next: an
\* implementation's trace reports it where it answers, and the validator
\* checks that the spec allows the answer there, i.e. that i has executed
\* slot k (an answer before that is a lost command waiting for a crash).
ClientReply(i, k) ==
    /\ k \in 1..Len(executed[i])
    /\ UNCHANGED vars

-----------------------------------------------------------------------------
(* Faults.                                                                 *)

\* Restart(i): i crashes and recovers with its durable state only: its
\* promise, ballot and accepted proposals, and the decisions it learned (a
\* replica syncs a decision before it executes it), whose prefix it executes
\* again from the start.  It leads nothing and knows no promises.
Restart(i) ==
    /\ role' = [role EXCEPT ![i] = "Follower"]
    /\ firstSlot' = [firstSlot EXCEPT ![i] = 0]
    /\ promises' = [promises EXCEPT ![i] = EmptyFn]
    /\ proposals' = [proposals EXCEPT ![i] = EmptyFn]
    /\ executed' = [executed EXCEPT ![i] = Execute(<<>>, decided[i], DOMAIN decided[i])]
    /\ IF Bug = "ForgetPromiseOnRestart"
       THEN promised' = [promised EXCEPT ![i] =
               Max({NoBallot} \cup {accepted[i][k].bal : k \in DOMAIN accepted[i]})]
       ELSE UNCHANGED promised
    /\ UNCHANGED <<accepted, ballot, decided, msgs, ghostVars>>

\* DropMessage(m): the network loses one copy of m.
DropMessage(m) ==
    /\ BagIn(m, msgs)
    /\ msgs' = Discard(m)
    /\ UNCHANGED <<durableVars, leaderVars, replicaVars, ghostVars>>

\* DuplicateMessage(m): the network delivers m once more than it was sent.
DuplicateMessage(m) ==
    /\ BagIn(m, msgs)
    /\ msgs' = Send({m})
    /\ UNCHANGED <<durableVars, leaderVars, replicaVars, ghostVars>>

-----------------------------------------------------------------------------
(* The specification.                                                      *)

\* Each kind of delivery has a wrapper that names it in TLC's traces; a
\* trace of an implementation names the handler and binds its message.
ReceivePrepare == \E m \in BagToSet(msgs) : HandlePrepare(m.dest, m)
ReceivePromise == \E m \in BagToSet(msgs) : HandlePromise(m.dest, m)
ReceiveReject == \E m \in BagToSet(msgs) : HandleReject(m.dest, m)
ReceiveAccept == \E m \in BagToSet(msgs) : HandleAccept(m.dest, m)
ReceiveAccepted == \E m \in BagToSet(msgs) : HandleAccepted(m.dest, m)
ReceiveDecide == \E m \in BagToSet(msgs) : HandleDecide(m.dest, m)
ReceiveHeartbeat == \E m \in BagToSet(msgs) : HandleHeartbeat(m.dest, m)
ReceiveHeartbeatReply == \E m \in BagToSet(msgs) : HandleHeartbeatReply(m.dest, m)

ReceiveNext ==
    \/ ReceivePrepare \/ ReceivePromise \/ ReceiveReject \/ ReceiveAccept
    \/ ReceiveAccepted \/ ReceiveDecide \/ ReceiveHeartbeat \/ ReceiveHeartbeatReply

ResendNext ==
    \E i, j \in Server : \/ Heartbeat(i, j)
                         \/ \E k \in DOMAIN proposals[i] : SendAccept(i, j, k)
                         \/ \E k \in DOMAIN decided[i] : SendDecide(i, j, k)

Next ==
    \/ \E i \in Server, b \in Nat : Prepare(i, b)
    \/ \E i \in Server, v \in Value : ClientRequest(i, v)
    \/ \E i \in Server : \E k \in Unproposed(i) : Repropose(i, k)
    \/ ReceiveNext
    \/ ResendNext
    \/ \E i \in Server : Restart(i)
    \/ \E m \in BagToSet(msgs) : DropMessage(m) \/ DuplicateMessage(m)

Spec == Init /\ [][Next]_vars

\* What a model explores: ballots up to MaxBallot, retransmissions and
\* heartbeats if Resend, and the kinds of fault listed in Faults (filtered
\* through the quantifiers' domains so that TLC still names each step).
ResendingServer == IF Resend THEN Server ELSE {}
CrashableServer == IF "Restart" \in Faults THEN Server ELSE {}
LossyMessage == IF "Drop" \in Faults THEN BagToSet(msgs) ELSE {}
DuplicableMessage == IF "Duplicate" \in Faults THEN BagToSet(msgs) ELSE {}
Drop == \E m \in LossyMessage : DropMessage(m)
Duplicate == \E m \in DuplicableMessage : DuplicateMessage(m)

ModelNext ==
    \/ \E i \in Server, b \in 0..MaxBallot : Prepare(i, b)
    \/ \E i \in Server, v \in Value : ClientRequest(i, v)
    \/ \E i \in Server : \E k \in Unproposed(i) : Repropose(i, k)
    \/ ReceiveNext
    \/ \E i \in ResendingServer, j \in Server :
           \/ Heartbeat(i, j)
           \/ \E k \in DOMAIN proposals[i] : SendAccept(i, j, k)
           \/ \E k \in DOMAIN decided[i] : SendDecide(i, j, k)
    \/ \E i \in CrashableServer : Restart(i)
    \/ Drop
    \/ Duplicate

ModelSpec == Init /\ [][ModelNext]_vars

StateConstraint ==
    /\ \A i \in Server : \A k \in DOMAIN proposals[i] : k <= MaxSlot
    /\ BagCardinality(msgs) <= MaxInFlight
    /\ \A m \in BagToSet(msgs) : CopiesIn(m, msgs) <= MaxCopies

\* Servers are interchangeable, and so are client commands as long as no
\* ballot carries two values for one slot (sound for the correct models).
Symmetry == Permutations(Server)
SymmetryWithValues ==
    {ss @@ sv : ss \in Permutations(Server), sv \in Permutations(Value)}

-----------------------------------------------------------------------------
(* Invariants.                                                             *)

IsFn(f, D, R) == DOMAIN f \subseteq D /\ \A x \in DOMAIN f : f[x] \in R
Slot == Nat \ {0}

MessageOK(m) ==
    \/ m \in [type: {"Prepare"}, bal: Nat, first: Slot, source: Server, dest: Server]
    \/ /\ m.type = "Promise"
       /\ DOMAIN m = {"type", "bal", "accepted", "source", "dest"}
       /\ m.bal \in Nat /\ m.source \in Server /\ m.dest \in Server
       /\ IsFn(m.accepted, Slot, Proposal)
    \/ m \in [type: {"Reject"}, bal: Nat, source: Server, dest: Server]
    \/ m \in [type: {"Accept"}, bal: Nat, slot: Slot, val: Command, source: Server,
              dest: Server]
    \/ m \in [type: {"Accepted"}, bal: Nat, slot: Slot, source: Server, dest: Server]
    \/ m \in [type: {"Decide"}, slot: Slot, val: Command, source: Server, dest: Server]
    \/ m \in [type: {"Heartbeat"}, bal: Nat, source: Server, dest: Server]
    \/ m \in [type: {"HeartbeatReply"}, bal: Nat, decided: Nat, source: Server,
              dest: Server]

TypeOK ==
    /\ promised \in [Server -> Nat \cup {NoBallot}]
    /\ \A i \in Server : IsFn(accepted[i], Slot, Proposal)
    /\ ballot \in [Server -> Nat \cup {NoBallot}]
    /\ role \in [Server -> Roles]
    /\ firstSlot \in [Server -> Nat]
    /\ \A i \in Server : DOMAIN promises[i] \subseteq Server
    /\ \A i \in Server : IsFn(proposals[i], Slot, [val: Command, acks: SUBSET Server])
    /\ \A i \in Server : IsFn(decided[i], Slot, Command)
    /\ executed \in [Server -> Seq(Command)]
    /\ \A m \in BagToSet(msgs) : MessageOK(m)
    /\ votes \in [Server -> SUBSET [slot: Slot, bal: Nat, val: Command]]

\* Command v is chosen for slot k in ballot b: a quorum accepted it there.
ChosenIn(k, b, v) ==
    IsQuorum({a \in Server : [slot |-> k, bal |-> b, val |-> v] \in votes[a]})

\* Every <<slot, command>> chosen so far.
Chosen == {<<r.slot, r.val>> : r \in {r \in UNION {votes[a] : a \in Server} :
                                         ChosenIn(r.slot, r.bal, r.val)}}

\* Per-slot agreement: at most one command is chosen for a slot.
Agreement == \A c, d \in Chosen : c[1] = d[1] => c[2] = d[2]

\* A replica only knows chosen commands as decided.  (Chosen is named once, in
\* a LET, so that it is computed once per state and not once per slot.)
DecidedChosen ==
    LET chosen == Chosen
    IN \A i \in Server : \A k \in DOMAIN decided[i] : <<k, decided[i][k]>> \in chosen

\* Replicas never disagree on what they executed: of two executed
\* sequences, one is a prefix of the other.
IsPrefix(s, t) == Len(s) <= Len(t) /\ SubSeq(t, 1, Len(s)) = s
ExecutedConsistent ==
    \A i, j \in Server : IsPrefix(executed[i], executed[j]) \/ IsPrefix(executed[j], executed[i])

\* Nothing executes before every earlier slot is decided: the n-th command
\* a replica executed is the decided command of slot n.
ExecutedInOrder ==
    \A i \in Server : \A n \in 1..Len(executed[i]) :
        n \in DOMAIN decided[i] /\ executed[i][n] = decided[i][n]

\* The acceptor invariants per slot, as in Paxos.tla: an acceptor's
\* accepted proposal is its latest vote and not above its promise; one
\* ballot carries one value per slot; a leader's proposals are its own.
\* (Both are stated so that checking them takes time linear in the votes, not
\* quadratic: a trace of a real run holds thousands.)
AcceptedIsLatestVote ==
    \A a \in Server :
        /\ \A k \in DOMAIN accepted[a] :
               /\ accepted[a][k].bal <= promised[a]
               /\ [slot |-> k, bal |-> accepted[a][k].bal, val |-> accepted[a][k].val]
                      \in votes[a]
        /\ \A r \in votes[a] : r.slot \in DOMAIN accepted[a] =>
                                 r.bal <= accepted[a][r.slot].bal

\* No two votes of one slot and ballot differ in value: a slot and a ballot
\* determine the vote.
OneValuePerBallot ==
    LET all == UNION {votes[a] : a \in Server}
    IN Cardinality({<<r.slot, r.bal>> : r \in all}) = Cardinality(all)

LeaderOwnsBallot ==
    \A i \in Server : role[i] # "Follower" =>
        /\ [bal |-> ballot[i], proposer |-> i] \in started
        /\ promised[i] = ballot[i]

Invariants ==
    /\ TypeOK /\ Agreement /\ DecidedChosen /\ ExecutedConsistent /\ ExecutedInOrder
    /\ AcceptedIsLatestVote /\ OneValuePerBallot /\ LeaderOwnsBallot

-----------------------------------------------------------------------------
(* Action properties.                                                      *)

\* Promises and ballots never go down, not even across a restart.
MonotonicPromise == [][\A i \in Server : promised'[i] >= promised[i]]_vars
MonotonicBallot == [][\A i \in Server : ballot'[i] >= ballot[i]]_vars

\* A replica only adds to what it executed, except that a restart forgets.
ExecutionAppendOnly ==
    [][\A i \in Server : IsPrefix(executed[i], executed'[i]) \/ Restart(i)]_vars
=============================================================================
