-------------------------------- MODULE Paxos --------------------------------
(***************************************************************************)
(* Single-decree Paxos ("Paxos Made Simple"), cut so that every action is  *)
(* one atomic step of one role of one node (a handler run to completion,   *)
(* persisting before it answers) or one event of the network or of a      *)
(* crash.  The conformance checker replays an implementation's trace       *)
(* through these actions one step at a time, so each action names the node *)
(* that acts and, for a receive, the exact message it handles.             *)
(*                                                                         *)
(* Proposers run ballots: phase 1 (Prepare/Promise) on a quorum of         *)
(* acceptors, then phase 2 (Accept/Accepted) with the value of the         *)
(* highest-ballot proposal reported in the promises, or their own.         *)
(* Acceptors keep their promise and their accepted proposal on stable      *)
(* storage, so a restart forgets neither.  Learners count Accepted         *)
(* messages and learn a value accepted by a quorum in one ballot.          *)
(*                                                                         *)
(* A node may play several roles: the role sets may share members, and a   *)
(* message between two roles of one node travels through the network like *)
(* any other (that is how the implementation runs too).                    *)
(*                                                                         *)
(* The constant Bug switches exactly one rule off, so that each key        *)
(* invariant can be shown to bite (the *Bug* models).  It is "None" in     *)
(* every correct model and for trace validation.                           *)
(***************************************************************************)
EXTENDS Integers, FiniteSets, Bags, TLC

CONSTANTS
    Proposer,       \* nodes that propose
    Acceptor,       \* nodes that vote
    Learner,        \* nodes that learn the decision
    Value,          \* the values clients ask proposers to propose
    Nil,            \* "no value"
    Bug             \* "None", or the name of the one rule switched off

\* Bounds for model checking only (StateConstraint, ModelNext).  No action
\* depends on them, so trace validation never meets them.
CONSTANTS MaxBallot, MaxInFlight, MaxCopies, Faults

Bugs == {"None",
         "AcceptBelowPromise",      \* an acceptor accepts below its promise
         "ForgetPromiseOnRestart",  \* the promise is not durable
         "IgnorePromisedValues",    \* phase 2 proposes the own value always
         "ReuseBallots"}            \* two proposers may use one ballot

ASSUME /\ Acceptor # {} /\ Proposer # {}
       /\ Nil \notin Value
       /\ Bug \in Bugs
       /\ Faults \subseteq {"Drop", "Duplicate", "Restart", "RestartAcceptor"}
       /\ {MaxBallot, MaxInFlight, MaxCopies} \subseteq Nat

Node == Proposer \cup Acceptor \cup Learner

\* Ballots are natural numbers; NoBallot is the ballot of "nothing
\* accepted" (as NO_BALLOT in impl/paxos/rules.py).
NoBallot == -1
None == [bal |-> NoBallot, val |-> Nil]   \* the accepted proposal of a fresh acceptor

-----------------------------------------------------------------------------
(* Variables.                                                              *)

\* Durable: written to stable storage before the step that changes them
\* answers anyone; they survive Restart.
VARIABLES
    promised,       \* [Acceptor -> Int]: highest ballot promised (NoBallot)
    accepted,       \* [Acceptor -> [bal, val]]: latest proposal accepted (None)
    ballot          \* [Proposer -> Int]: the latest ballot it started (NoBallot)

\* Volatile: lost on Restart.
VARIABLES
    phase,          \* [Proposer -> {"Idle", "Prepare", "Accept"}]
    value,          \* [Proposer -> Value \cup {Nil}]: its client's value while
                    \*   preparing; the value it proposes in phase 2
    promises,       \* [Proposer -> function from acceptors to the proposal
                    \*   each reported]: the promises for the running ballot
    heard,          \* [Learner -> function from acceptors to the latest
                    \*   proposal each reported accepting]
    learned         \* [Learner -> Value \cup {Nil}]

\* The network: a bag (multiset) of messages, [Message -> count >= 1].
VARIABLE msgs

\* Ghost (history) variables: no implementation knows them; a validator
\* computes them from the spec's own actions.
VARIABLES
    votes,          \* [Acceptor -> set of [bal, val]]: every proposal it accepted
    started,        \* set of [bal, proposer]: who started which ballot
    inputs          \* set of values that clients asked a proposer to propose

durableVars  == <<promised, accepted, ballot>>
proposerVars == <<phase, value, promises>>
learnerVars  == <<heard, learned>>
ghostVars    == <<votes, started, inputs>>
vars == <<durableVars, proposerVars, learnerVars, msgs, ghostVars>>

-----------------------------------------------------------------------------
(* Shapes of proposals and messages.                                       *)

Proposal == [bal: Nat, val: Value] \cup {None}

Message ==
         [type: {"Prepare"}, bal: Nat, source: Proposer, dest: Acceptor]
    \cup [type: {"Promise"}, bal: Nat, accepted: Proposal, source: Acceptor,
          dest: Proposer]
    \cup [type: {"Reject"}, bal: Nat, source: Acceptor, dest: Proposer]
    \cup [type: {"Accept"}, bal: Nat, val: Value, source: Proposer, dest: Acceptor]
    \cup [type: {"Accepted"}, bal: Nat, val: Value, source: Acceptor, dest: Learner]

-----------------------------------------------------------------------------
(* Helpers.  IsQuorum and ValueToPropose state the rules of impl/quorum.py *)
(* and impl/paxos/rules.py.                                                *)

\* A strict majority of the acceptors.
IsQuorum(S) == 2 * Cardinality(S \cap Acceptor) > Cardinality(Acceptor)
Quorums == {Q \in SUBSET Acceptor : IsQuorum(Q)}

\* The function f extended (or overridden) at x with y.
Put(f, x, y) == [z \in DOMAIN f \cup {x} |-> IF z = x THEN y ELSE f[z]]

\* Phase 2 of a ballot proposes the value of the highest-ballot proposal
\* reported by the promise quorum, or the proposer's own value if none of
\* them accepted anything (Paxos Made Simple, P2c).
ValueToPropose(ps, own) ==
    LET reported == {ps[a] : a \in DOMAIN ps}
        top == CHOOSE r \in reported : \A s \in reported : s.bal <= r.bal
    IN IF Bug = "IgnorePromisedValues" \/ top.bal = NoBallot THEN own ELSE top.val

\* No other proposer has started ballot b: proposal numbers are unique per
\* proposer (the implementation numbers them round * #proposers + index).
BallotFree(p, b) ==
    Bug = "ReuseBallots" \/ ~\E s \in started : s.bal = b /\ s.proposer # p

Send(ms) == msgs (+) SetToBag(ms)
Discard(m) == msgs (-) SetToBag({m})
Reply(m, rs) == (msgs (-) SetToBag({m})) (+) SetToBag(rs)
InFlight(m, type, n) == BagIn(m, msgs) /\ m.type = type /\ m.dest = n

EmptyFn == [a \in {} |-> None]

-----------------------------------------------------------------------------
(* Initial state.                                                          *)

Init ==
    /\ promised = [a \in Acceptor |-> NoBallot]
    /\ accepted = [a \in Acceptor |-> None]
    /\ ballot = [p \in Proposer |-> NoBallot]
    /\ phase = [p \in Proposer |-> "Idle"]
    /\ value = [p \in Proposer |-> Nil]
    /\ promises = [p \in Proposer |-> EmptyFn]
    /\ heard = [l \in Learner |-> EmptyFn]
    /\ learned = [l \in Learner |-> Nil]
    /\ msgs = EmptyBag
    /\ votes = [a \in Acceptor |-> {}]
    /\ started = {}
    /\ inputs = {}

-----------------------------------------------------------------------------
(* Proposers.                                                              *)

\* Prepare(p, b, v): proposer p starts ballot b, higher than any it started
\* before and used by no other proposer, to propose its client's value v
\* (a retry after a timeout or a rejection passes the same v).  It makes
\* the ballot durable, then asks every acceptor for a promise.  Starting a
\* ballot abandons the one running.
Prepare(p, b, v) ==
    /\ b > ballot[p]
    /\ BallotFree(p, b)
    /\ ballot' = [ballot EXCEPT ![p] = b]
    /\ phase' = [phase EXCEPT ![p] = "Prepare"]
    /\ value' = [value EXCEPT ![p] = v]
    /\ promises' = [promises EXCEPT ![p] = EmptyFn]
    /\ msgs' = Send({[type |-> "Prepare", bal |-> b, source |-> p, dest |-> a] :
                     a \in Acceptor})
    /\ started' = started \cup {[bal |-> b, proposer |-> p]}
    /\ inputs' = inputs \cup {v}
    /\ UNCHANGED <<promised, accepted, learnerVars, votes>>

\* HandlePromise(p, m): a promise for p's running ballot counts; the one
\* that completes a quorum starts phase 2 in the same step: p proposes
\* ValueToPropose to every acceptor.  Anything else is ignored.
HandlePromise(p, m) ==
    /\ InFlight(m, "Promise", p)
    /\ IF phase[p] = "Prepare" /\ m.bal = ballot[p]
       THEN LET ps == Put(promises[p], m.source, m.accepted)
            IN /\ promises' = [promises EXCEPT ![p] = ps]
               /\ IF IsQuorum(DOMAIN ps)
                  THEN LET v == ValueToPropose(ps, value[p])
                       IN /\ phase' = [phase EXCEPT ![p] = "Accept"]
                          /\ value' = [value EXCEPT ![p] = v]
                          /\ msgs' = Reply(m, {[type |-> "Accept", bal |-> m.bal,
                                                val |-> v, source |-> p, dest |-> a] :
                                               a \in Acceptor})
                  ELSE /\ msgs' = Discard(m)
                       /\ UNCHANGED <<phase, value>>
       ELSE /\ msgs' = Discard(m)
            /\ UNCHANGED proposerVars
    /\ UNCHANGED <<durableVars, learnerVars, ghostVars>>

\* HandleReject(p, m): an acceptor has promised a ballot above p's, so p's
\* ballot cannot succeed: p goes idle (its timer will start a higher one).
\* A rejection older than p's ballot is ignored.
HandleReject(p, m) ==
    /\ InFlight(m, "Reject", p)
    /\ msgs' = Discard(m)
    /\ IF m.bal > ballot[p] /\ phase[p] # "Idle"
       THEN /\ phase' = [phase EXCEPT ![p] = "Idle"]
            /\ promises' = [promises EXCEPT ![p] = EmptyFn]
            /\ UNCHANGED value
       ELSE UNCHANGED proposerVars
    /\ UNCHANGED <<durableVars, learnerVars, ghostVars>>

-----------------------------------------------------------------------------
(* Acceptors.                                                              *)

\* HandlePrepare(a, m): a promises ballot m.bal unless it promised a higher
\* one, and reports the proposal it accepted last; otherwise it rejects,
\* telling the proposer its promise.  A prepare for the ballot it already
\* promised is answered again (a retransmission: ballots are unique per
\* proposer and a proposer never reuses one).
HandlePrepare(a, m) ==
    /\ InFlight(m, "Prepare", a)
    /\ IF m.bal >= promised[a]
       THEN /\ promised' = [promised EXCEPT ![a] = m.bal]
            /\ msgs' = Reply(m, {[type |-> "Promise", bal |-> m.bal, accepted |-> accepted[a],
                                  source |-> a, dest |-> m.source]})
       ELSE /\ msgs' = Reply(m, {[type |-> "Reject", bal |-> promised[a], source |-> a,
                                  dest |-> m.source]})
            /\ UNCHANGED promised
    /\ UNCHANGED <<accepted, ballot, proposerVars, learnerVars, ghostVars>>

\* HandleAccept(a, m): a accepts the proposal unless it promised a higher
\* ballot (accepting is also a promise), and tells every learner; otherwise
\* it rejects.
HandleAccept(a, m) ==
    /\ InFlight(m, "Accept", a)
    /\ IF m.bal >= promised[a] \/ Bug = "AcceptBelowPromise"
       THEN /\ promised' = [promised EXCEPT ![a] = IF m.bal > @ THEN m.bal ELSE @]
            /\ accepted' = [accepted EXCEPT ![a] = [bal |-> m.bal, val |-> m.val]]
            /\ votes' = [votes EXCEPT ![a] = @ \cup {[bal |-> m.bal, val |-> m.val]}]
            /\ msgs' = Reply(m, {[type |-> "Accepted", bal |-> m.bal, val |-> m.val,
                                  source |-> a, dest |-> l] : l \in Learner})
       ELSE /\ msgs' = Reply(m, {[type |-> "Reject", bal |-> promised[a], source |-> a,
                                  dest |-> m.source]})
            /\ UNCHANGED <<promised, accepted, votes>>
    /\ UNCHANGED <<ballot, proposerVars, learnerVars, started, inputs>>

-----------------------------------------------------------------------------
(* Learners.                                                               *)

\* HandleAccepted(l, m): l keeps, per acceptor, the highest-ballot proposal
\* reported; once a quorum of acceptors report the same ballot, its value
\* is chosen and l learns it (a learner that has learned keeps its value).
HandleAccepted(l, m) ==
    /\ InFlight(m, "Accepted", l)
    /\ msgs' = Discard(m)
    /\ LET h == heard[l]
           newer == m.source \notin DOMAIN h \/ h[m.source].bal < m.bal
           h2 == IF newer THEN Put(h, m.source, [bal |-> m.bal, val |-> m.val]) ELSE h
       IN /\ heard' = [heard EXCEPT ![l] = h2]
          /\ learned' = [learned EXCEPT ![l] =
                IF @ = Nil /\ IsQuorum({a \in DOMAIN h2 : h2[a].bal = m.bal})
                THEN m.val ELSE @]
    /\ UNCHANGED <<durableVars, proposerVars, ghostVars>>

-----------------------------------------------------------------------------
(* Faults.                                                                 *)

\* Restart(n): node n crashes and recovers with its durable state only,
\* whatever roles it plays.
Restart(n) ==
    /\ n \in Node
    /\ phase' = [p \in Proposer |-> IF p = n THEN "Idle" ELSE phase[p]]
    /\ value' = [p \in Proposer |-> IF p = n THEN Nil ELSE value[p]]
    /\ promises' = [p \in Proposer |-> IF p = n THEN EmptyFn ELSE promises[p]]
    /\ heard' = [l \in Learner |-> IF l = n THEN EmptyFn ELSE heard[l]]
    /\ learned' = [l \in Learner |-> IF l = n THEN Nil ELSE learned[l]]
    /\ IF Bug = "ForgetPromiseOnRestart"
       THEN promised' = [a \in Acceptor |-> IF a = n THEN accepted[a].bal ELSE promised[a]]
       ELSE UNCHANGED promised
    /\ UNCHANGED <<accepted, ballot, msgs, ghostVars>>

\* DropMessage(m): the network loses one copy of m.
DropMessage(m) ==
    /\ BagIn(m, msgs)
    /\ msgs' = Discard(m)
    /\ UNCHANGED <<durableVars, proposerVars, learnerVars, ghostVars>>

\* DuplicateMessage(m): the network delivers m once more than it was sent.
DuplicateMessage(m) ==
    /\ BagIn(m, msgs)
    /\ msgs' = Send({m})
    /\ UNCHANGED <<durableVars, proposerVars, learnerVars, ghostVars>>

-----------------------------------------------------------------------------
(* The specification.                                                      *)

\* Each kind of delivery has a wrapper that names it in TLC's traces (TLC
\* cannot name the message a quantifier chose); a trace of an
\* implementation names the handler and binds its message instead.
ReceivePrepare == \E m \in BagToSet(msgs) : HandlePrepare(m.dest, m)
ReceivePromise == \E m \in BagToSet(msgs) : HandlePromise(m.dest, m)
ReceiveReject == \E m \in BagToSet(msgs) : HandleReject(m.dest, m)
ReceiveAccept == \E m \in BagToSet(msgs) : HandleAccept(m.dest, m)
ReceiveAccepted == \E m \in BagToSet(msgs) : HandleAccepted(m.dest, m)

ReceiveNext ==
    ReceivePrepare \/ ReceivePromise \/ ReceiveReject \/ ReceiveAccept \/ ReceiveAccepted

Next ==
    \/ \E p \in Proposer, b \in Nat, v \in Value : Prepare(p, b, v)
    \/ ReceiveNext
    \/ \E n \in Node : Restart(n)
    \/ \E m \in BagToSet(msgs) : DropMessage(m) \/ DuplicateMessage(m)

Spec == Init /\ [][Next]_vars

\* What a model explores: ballots up to MaxBallot, and the kinds of fault
\* listed in Faults (filtered through the quantifiers' domains so that TLC
\* still names each step).  "RestartAcceptor" crashes acceptors only: in
\* the correct spec that changes nothing, so it serves the bug models.
CrashableNode == IF "Restart" \in Faults THEN Node
                 ELSE IF "RestartAcceptor" \in Faults THEN Acceptor ELSE {}
LossyMessage == IF "Drop" \in Faults THEN BagToSet(msgs) ELSE {}
DuplicableMessage == IF "Duplicate" \in Faults THEN BagToSet(msgs) ELSE {}
Drop == \E m \in LossyMessage : DropMessage(m)
Duplicate == \E m \in DuplicableMessage : DuplicateMessage(m)

ModelNext ==
    \/ \E p \in Proposer, b \in 0..MaxBallot, v \in Value : Prepare(p, b, v)
    \/ ReceiveNext
    \/ \E n \in CrashableNode : Restart(n)
    \/ Drop
    \/ Duplicate

ModelSpec == Init /\ [][ModelNext]_vars

StateConstraint ==
    /\ BagCardinality(msgs) <= MaxInFlight
    /\ \A m \in BagToSet(msgs) : CopiesIn(m, msgs) <= MaxCopies

\* Acceptors are interchangeable, and so are proposers, when no node plays
\* two roles; a model with disjoint roles may use this as its SYMMETRY.
\* (TLC applies each listed permutation on its own, so the set holds the
\* products, not just the permutations of each role.)
Symmetry == {sa @@ sp : sa \in Permutations(Acceptor), sp \in Permutations(Proposer)}

\* Values are interchangeable too, as long as no ballot carries two values
\* (ValueToPropose then never breaks a tie): sound for the correct models,
\* not for the bug models.
SymmetryWithValues ==
    {sa @@ sp @@ sv : sa \in Permutations(Acceptor), sp \in Permutations(Proposer),
                      sv \in Permutations(Value)}

-----------------------------------------------------------------------------
(* Invariants.                                                             *)

TypeOK ==
    /\ promised \in [Acceptor -> Nat \cup {NoBallot}]
    /\ accepted \in [Acceptor -> Proposal]
    /\ ballot \in [Proposer -> Nat \cup {NoBallot}]
    /\ phase \in [Proposer -> {"Idle", "Prepare", "Accept"}]
    /\ value \in [Proposer -> Value \cup {Nil}]
    /\ \A p \in Proposer : /\ DOMAIN promises[p] \subseteq Acceptor
                           /\ \A a \in DOMAIN promises[p] : promises[p][a] \in Proposal
    /\ \A l \in Learner : /\ DOMAIN heard[l] \subseteq Acceptor
                          /\ \A a \in DOMAIN heard[l] : heard[l][a] \in Proposal
    /\ learned \in [Learner -> Value \cup {Nil}]
    /\ BagToSet(msgs) \subseteq Message
    /\ votes \in [Acceptor -> SUBSET [bal: Nat, val: Value]]

\* Value v is chosen in ballot b: a quorum of acceptors accepted it there.
ChosenIn(b, v) == IsQuorum({a \in Acceptor : [bal |-> b, val |-> v] \in votes[a]})
Chosen == {r.val : r \in {r \in UNION {votes[a] : a \in Acceptor} : ChosenIn(r.bal, r.val)}}

\* At most one value is ever chosen.
Agreement == \A v, w \in Chosen : v = w

\* Only a value some client asked for is ever chosen.
ChosenWasProposed == Chosen \subseteq inputs

\* A learner learns only a chosen value.
LearnedChosen == \A l \in Learner : learned[l] # Nil => learned[l] \in Chosen

\* The acceptor invariants the proof of agreement rests on (Lamport's
\* Paxos.tla): an acceptor's accepted proposal is its highest vote and is
\* not above its promise; one ballot carries one value; and every vote is
\* safe, i.e. no other value was or can still be chosen in a lower ballot.
AcceptedIsLatestVote ==
    \A a \in Acceptor :
        /\ accepted[a].bal <= promised[a]
        /\ accepted[a] = None \/ accepted[a] \in votes[a]
        /\ \A r \in votes[a] : r.bal <= accepted[a].bal

OneValuePerBallot ==
    \A a1, a2 \in Acceptor : \A r1 \in votes[a1], r2 \in votes[a2] :
        r1.bal = r2.bal => r1.val = r2.val

VotedFor(a, b, v) == [bal |-> b, val |-> v] \in votes[a]
WontVoteIn(a, b) == promised[a] > b /\ ~\E r \in votes[a] : r.bal = b
SafeAt(b, v) ==
    \A c \in 0..(b - 1) : \E Q \in Quorums : \A a \in Q :
        VotedFor(a, c, v) \/ WontVoteIn(a, c)

VotesSafe == \A a \in Acceptor : \A r \in votes[a] : SafeAt(r.bal, r.val)

Invariants ==
    /\ TypeOK /\ Agreement /\ ChosenWasProposed /\ LearnedChosen
    /\ AcceptedIsLatestVote /\ OneValuePerBallot /\ VotesSafe

-----------------------------------------------------------------------------
(* Action properties.                                                      *)

\* Promises and ballots never go down, not even across a restart.
MonotonicPromise == [][\A a \in Acceptor : promised'[a] >= promised[a]]_vars
MonotonicBallot == [][\A p \in Proposer : ballot'[p] >= ballot[p]]_vars

\* Once chosen, always chosen; a learner never changes its mind but by
\* restarting.
ChosenStable == [][Chosen \subseteq Chosen']_vars
=============================================================================
