-------------------------------- MODULE Raft --------------------------------
(***************************************************************************)
(* Raft, cut so that every action is one atomic step of a server (one      *)
(* handler run to completion, persisting before it replies) or one event   *)
(* of the network or of a crash.  The conformance checker replays an       *)
(* implementation's trace through these actions one step at a time, so     *)
(* each action names the server that acts and, for a receive, the exact    *)
(* message it handles.                                                     *)
(*                                                                         *)
(* Covered: elections (with an optional pre-vote round), log replication   *)
(* with conflict truncation and a next-index hint, commitment by the       *)
(* current-term rule, check-quorum with or without leader stickiness,      *)
(* single-server membership changes through configuration entries,        *)
(* linearizable reads by ReadIndex, crash-restart that keeps only durable  *)
(* state, and a network that loses, duplicates and reorders messages.      *)
(*                                                                         *)
(* Time is not modelled.  A timer firing is a nondeterministic action      *)
(* (Timeout, CheckQuorumTick), and whatever an implementation decides by   *)
(* its clock is explicit state that the implementation keeps too.         *)
(*                                                                         *)
(* Where Raft leaves an implementation a choice that changes what its      *)
(* steps look like, a constant names the choice (RejectHint, Pipeline,     *)
(* RewindOnSuccess, DurableCommitIndex, Stickiness, CommitOnTick), so that *)
(* one spec checks implementations that chose differently; every choice    *)
(* keeps the safety invariants (a model for each).                         *)
(*                                                                         *)
(* The constant Bug switches exactly one rule off, so that each key        *)
(* invariant can be shown to bite (the *Bug* models).  It is "None" in     *)
(* every correct model and for trace validation.                           *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets, Sequences, Bags, TLC

CONSTANTS
    Server,         \* every server that exists (members or not)
    InitialConfig,  \* the configuration before any configuration entry
    Value,          \* values clients write
    Nil,            \* "no server", "no value", "no read"
    PreVote,        \* TRUE: a pre-vote round precedes every election
    CheckQuorum,    \* TRUE: leaders step down without a quorum
    BatchSize,      \* most entries one AppendEntries request carries
    Bug             \* "None", or the name of the one rule switched off

\* Implementation choices that Raft leaves open.
CONSTANTS
    RejectHint,         \* "Term": a rejection hints the start of the
                        \*   conflicting term; "Entry": one entry back
    Pipeline,           \* TRUE: sending AppendEntries advances nextIndex
    RewindOnSuccess,    \* TRUE: a success that raises matchIndex sets
                        \*   nextIndex just after it, even below what was sent
    DurableCommitIndex, \* TRUE: a restart recovers a commit index
    Stickiness,         \* TRUE: with CheckQuorum, ignore vote requests
                        \*   while in lease (leader stickiness)
    CommitOnTick        \* TRUE: a leader commits in AdvanceCommitIndex,
                        \*   not in the step that stores or learns a match

\* Bounds for model checking only (StateConstraint, ModelNext).  No action
\* depends on them, so trace validation never meets them.
CONSTANTS MaxTerm, MaxLogLen, MaxInFlight, MaxCopies, MaxReads, Faults

Bugs == {"None",
         "ForgetVoteOnRestart",     \* votedFor is not durable
         "NoConsistencyCheck",      \* follower ignores prevLogTerm
         "NoElectionRestriction",   \* vote without the up-to-date check
         "CommitOldTermByCounting", \* commit any entry stored on a quorum
         "TruncateWithoutConflict", \* follower drops entries after the batch
         "PaperCommitRule",         \* commit := Min(leaderCommit, lastNew)
         "ReadWithoutQuorum",       \* serve a read without confirming
         "ConcurrentConfigChanges"} \* a second change while one is uncommitted

ASSUME /\ InitialConfig \subseteq Server /\ InitialConfig # {}
       /\ Nil \notin Server /\ Nil \notin Value
       /\ PreVote \in BOOLEAN /\ CheckQuorum \in BOOLEAN
       /\ RejectHint \in {"Term", "Entry"}
       /\ {Pipeline, RewindOnSuccess, DurableCommitIndex, Stickiness, CommitOnTick}
              \subseteq BOOLEAN
       /\ BatchSize \in Nat \ {0}
       /\ Bug \in Bugs
       /\ Faults \subseteq {"Drop", "Duplicate", "Restart"}
       /\ {MaxTerm, MaxLogLen, MaxInFlight, MaxCopies, MaxReads} \subseteq Nat

Roles == {"Follower", "PreCandidate", "Candidate", "Leader"}

-----------------------------------------------------------------------------
(* Variables.                                                              *)

\* Durable: written to stable storage before the step that changes them
\* replies; they survive Restart.
VARIABLES
    currentTerm,    \* [Server -> Nat]
    votedFor,       \* [Server -> Server \cup {Nil}]: vote in currentTerm
    log             \* [Server -> Seq(Entry)]

\* Volatile: lost on Restart.
VARIABLES
    state,          \* [Server -> Roles]
    commitIndex,    \* [Server -> Nat]
    votesGranted,   \* [Server -> SUBSET Server]: (pre-)votes of this round
    nextIndex,      \* [Server -> [Server -> Nat]]: leaders only, else 1s
    matchIndex,     \* [Server -> [Server -> Nat]]: leaders only, else 0s
    recentlyActive, \* [Server -> SUBSET Server]: leader heard from, since
                    \*   its last CheckQuorumTick (kept only if CheckQuorum)
    heardFromLeader,\* [Server -> BOOLEAN]: follower heard from the leader of
                    \*   its term since its last Timeout (only if CheckQuorum
                    \*   and Stickiness)
    readRound,      \* [Server -> Nat]: reads the leader began in this leadership
    pendingRead     \* [Server -> {Nil} \cup [index: Nat, acks: SUBSET Server]]

\* The network: a bag (multiset) of messages, [Message -> count >= 1].
VARIABLE msgs

\* Ghost (history) variables: no implementation knows them; a validator
\* computes them from the spec's own actions.
VARIABLES
    committed,      \* set of [index, entry, term, config]: every entry a
                    \*   leader ever committed, the term and configuration
                    \*   it was committed in
    readStart,      \* [Server -> Nat]: committed length when a read began
    servedReads     \* set of [start, index, value]: reads answered

durableVars  == <<currentTerm, votedFor, log>>
leaderVars   == <<nextIndex, matchIndex, recentlyActive, readRound, pendingRead>>
volatileVars == <<state, commitIndex, votesGranted, heardFromLeader, leaderVars>>
ghostVars    == <<committed, readStart, servedReads>>
vars == <<durableVars, volatileVars, msgs, ghostVars>>

-----------------------------------------------------------------------------
(* Shapes of log entries and messages.                                     *)

Entry ==
         [term: Nat, kind: {"NoOp"},   value: {Nil}]
    \cup [term: Nat, kind: {"Value"},  value: Value]
    \cup [term: Nat, kind: {"Config"}, value: SUBSET Server]

Message ==
         [type: {"PreVoteRequest", "RequestVoteRequest"}, term: Nat,
          source: Server, dest: Server, lastLogTerm: Nat, lastLogIndex: Nat]
    \cup [type: {"PreVoteResponse", "RequestVoteResponse"}, term: Nat,
          source: Server, dest: Server, granted: BOOLEAN]
    \cup [type: {"AppendEntriesRequest"}, term: Nat, source: Server,
          dest: Server, prevLogIndex: Nat, prevLogTerm: Nat,
          entries: Seq(Entry), commitIndex: Nat, ctx: Nat]
    \cup [type: {"AppendEntriesResponse"}, term: Nat, source: Server,
          dest: Server, success: BOOLEAN, matchIndex: Nat, ctx: Nat]

-----------------------------------------------------------------------------
(* Helpers.  IsQuorum and UpToDate are the predicates of impl/quorum.py    *)
(* and impl/raft/rules.py, stated the same way.                            *)

Max(a, b) == IF a >= b THEN a ELSE b
Min(a, b) == IF a <= b THEN a ELSE b
MaxOf(S) == CHOOSE x \in S : \A y \in S : y <= x

\* A strict majority of the configuration acknowledged.
IsQuorum(acked, config) == 2 * Cardinality(acked \cap config) > Cardinality(config)

\* Raft 5.4.1: last terms first, then last indexes.
UpToDate(candLastTerm, candLastIndex, lastTerm, lastIndex) ==
    \/ candLastTerm > lastTerm
    \/ candLastTerm = lastTerm /\ candLastIndex >= lastIndex

LastTerm(lg) == IF lg = <<>> THEN 0 ELSE lg[Len(lg)].term
TermAt(lg, n) == IF n = 0 THEN 0 ELSE lg[n].term

\* A server's configuration: the latest configuration entry in its log,
\* committed or not, or the initial configuration.
ConfigOf(lg) ==
    LET at == {k \in 1..Len(lg) : lg[k].kind = "Config"}
    IN IF at = {} THEN InitialConfig ELSE lg[MaxOf(at)].value
Config(i) == ConfigOf(log[i])

\* The register the log drives: the value of the last Value entry in the
\* first n entries, or Nil.
StateAt(lg, n) ==
    LET at == {k \in 1..n : lg[k].kind = "Value"}
    IN IF at = {} THEN Nil ELSE lg[MaxOf(at)].value

Send(ms) == msgs (+) SetToBag(ms)
Discard(m) == msgs (-) SetToBag({m})
Reply(m, r) == (msgs (-) SetToBag({m})) (+) SetToBag({r})
InFlight(m, type, i) == BagIn(m, msgs) /\ m.type = type /\ m.dest = i

\* Leader state when not leading.
NoNext == [j \in Server |-> 1]
NoMatch == [j \in Server |-> 0]

\* Leader stickiness (thesis 4.2.3, etcd's "in lease"): with CheckQuorum and
\* Stickiness a leader, or a follower that has heard from the leader of its
\* term since its last election timeout, ignores a (pre-)vote request for a
\* higher term.
Sticky == CheckQuorum /\ Stickiness
InLease(i) == Sticky /\ (state[i] = "Leader" \/ heardFromLeader[i])

\* Length of the longest committed prefix, by the ghost record.
CommittedLen == IF committed = {} THEN 0
                ELSE MaxOf({c.index : c \in committed})

-----------------------------------------------------------------------------
(* Sub-actions shared by several handlers.  Each sets the primed volatile  *)
(* state of server i only; callers say what happens to everything else.    *)

\* i takes a role other than leader (in whatever term the caller sets): no
\* votes, no leader state, no pending read.  commitIndex is kept.
ResetRole(i, role) ==
    /\ state' = [state EXCEPT ![i] = role]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {}]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = NoNext]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = NoMatch]
    /\ recentlyActive' = [recentlyActive EXCEPT ![i] = {}]
    /\ readRound' = [readRound EXCEPT ![i] = 0]
    /\ pendingRead' = [pendingRead EXCEPT ![i] = Nil]

\* A message with a newer term turns i into a follower of that term.
StepDown(i, term) ==
    /\ currentTerm' = [currentTerm EXCEPT ![i] = term]
    /\ votedFor' = [votedFor EXCEPT ![i] = Nil]
    /\ heardFromLeader' = [heardFromLeader EXCEPT ![i] = FALSE]
    /\ ResetRole(i, "Follower")

\* The highest index leader i of term t may commit, given its log lg and
\* match indexes mi: an entry of term t stored on a quorum of its
\* configuration (the rule behind Figure 8 of the Raft paper).  The
\* configuration is named once: ConfigOf reads the whole log.
CommitTarget(i, t, lg, mi) ==
    LET config == ConfigOf(lg)
        agree(n) == {i} \cup {j \in Server \ {i} : mi[j] >= n}
        ok(n) == /\ lg[n].term = t \/ Bug = "CommitOldTermByCounting"
                 /\ IsQuorum(agree(n), config)
        can == {n \in (commitIndex[i] + 1)..Len(lg) : ok(n)}
    IN IF can = {} THEN commitIndex[i] ELSE MaxOf(can)

\* Leader i of term t, with log lg and match indexes mi, commits what it
\* can; the ghost record remembers each newly committed entry with the term
\* and configuration it was committed in.
CommitUpTo(i, t, lg, mi) ==
    LET to == CommitTarget(i, t, lg, mi)
        new == {n \in (commitIndex[i] + 1)..to :
                    ~\E c \in committed : c.index = n /\ c.entry = lg[n]}
        config == ConfigOf(lg)
    IN /\ commitIndex' = [commitIndex EXCEPT ![i] = to]
       /\ committed' = committed \cup
            {[index |-> n, entry |-> lg[n], term |-> t, config |-> config] : n \in new}

\* What a leader step that stores an entry or learns a match does about
\* commitment: it commits at once, or (CommitOnTick) leaves that to the
\* leader's next AdvanceCommitIndex.
LeaderCommit(i, t, lg, mi) ==
    IF CommitOnTick THEN UNCHANGED <<commitIndex, committed>>
    ELSE CommitUpTo(i, t, lg, mi)

\* Candidate i has won the election of term t: it leads, appends a no-op of
\* its term (so that it can commit, change membership and serve reads),
\* and commits at once if it alone is a quorum (unless CommitOnTick).  The
\* caller sets the durable term and vote.
BecomeLeader(i, t) ==
    LET lg == Append(log[i], [term |-> t, kind |-> "NoOp", value |-> Nil])
    IN /\ state' = [state EXCEPT ![i] = "Leader"]
       /\ log' = [log EXCEPT ![i] = lg]
       /\ votesGranted' = [votesGranted EXCEPT ![i] = {}]
       /\ nextIndex' = [nextIndex EXCEPT ![i] =
                           [j \in Server |-> IF j = i THEN 1 ELSE Len(log[i]) + 1]]
       /\ matchIndex' = [matchIndex EXCEPT ![i] = NoMatch]
       /\ recentlyActive' = [recentlyActive EXCEPT ![i] = {}]
       /\ readRound' = [readRound EXCEPT ![i] = 0]
       /\ pendingRead' = [pendingRead EXCEPT ![i] = Nil]
       /\ LeaderCommit(i, t, lg, NoMatch)

\* i starts an election: next term, votes for itself, asks the rest of its
\* configuration; wins at once if it alone is a quorum.  sent is the set
\* of messages that the caller sends besides.
Campaign(i, sent) ==
    LET term == currentTerm[i] + 1
        asks == {[type |-> "RequestVoteRequest", term |-> term, source |-> i,
                  dest |-> j, lastLogTerm |-> LastTerm(log[i]),
                  lastLogIndex |-> Len(log[i])] : j \in Config(i) \ {i}}
    IN /\ currentTerm' = [currentTerm EXCEPT ![i] = term]
       /\ votedFor' = [votedFor EXCEPT ![i] = i]
       /\ heardFromLeader' = [heardFromLeader EXCEPT ![i] = FALSE]
       /\ msgs' = sent (+) SetToBag(asks)
       /\ IF IsQuorum({i}, Config(i))
          THEN BecomeLeader(i, term)
          ELSE /\ state' = [state EXCEPT ![i] = "Candidate"]
               /\ votesGranted' = [votesGranted EXCEPT ![i] = {i}]
               /\ UNCHANGED <<log, commitIndex, leaderVars, committed>>
       /\ UNCHANGED <<readStart, servedReads>>

-----------------------------------------------------------------------------
(* Initial state: every server a follower in term 0 with an empty log.     *)

Init ==
    /\ currentTerm = [i \in Server |-> 0]
    /\ votedFor = [i \in Server |-> Nil]
    /\ log = [i \in Server |-> <<>>]
    /\ state = [i \in Server |-> "Follower"]
    /\ commitIndex = [i \in Server |-> 0]
    /\ votesGranted = [i \in Server |-> {}]
    /\ nextIndex = [i \in Server |-> NoNext]
    /\ matchIndex = [i \in Server |-> NoMatch]
    /\ recentlyActive = [i \in Server |-> {}]
    /\ heardFromLeader = [i \in Server |-> FALSE]
    /\ readRound = [i \in Server |-> 0]
    /\ pendingRead = [i \in Server |-> Nil]
    /\ msgs = EmptyBag
    /\ committed = {}
    /\ readStart = [i \in Server |-> 0]
    /\ servedReads = {}

-----------------------------------------------------------------------------
(* Timers.                                                                 *)

\* Timeout(i): i's election timer fires.  A follower or (pre-)candidate that
\* belongs to its own configuration starts a pre-vote round (PreVote: term
\* unchanged, asks for term + 1) or an election.  Its lease on the leader
\* ends here.
Timeout(i) ==
    /\ state[i] \in {"Follower", "PreCandidate", "Candidate"}
    /\ i \in Config(i)
    /\ IF PreVote
       THEN LET asks == {[type |-> "PreVoteRequest", term |-> currentTerm[i] + 1,
                          source |-> i, dest |-> j, lastLogTerm |-> LastTerm(log[i]),
                          lastLogIndex |-> Len(log[i])] : j \in Config(i) \ {i}}
            IN IF IsQuorum({i}, Config(i))
               THEN Campaign(i, msgs)
               ELSE /\ state' = [state EXCEPT ![i] = "PreCandidate"]
                    /\ votesGranted' = [votesGranted EXCEPT ![i] = {i}]
                    /\ heardFromLeader' = [heardFromLeader EXCEPT ![i] = FALSE]
                    /\ msgs' = Send(asks)
                    /\ UNCHANGED <<durableVars, commitIndex, leaderVars, ghostVars>>
       ELSE Campaign(i, msgs)

\* CheckQuorumTick(i): the check-quorum timer of leader i fires (every
\* election timeout).  It steps down unless it heard from a quorum of its
\* configuration since the last tick; either way the count starts over.
CheckQuorumTick(i) ==
    /\ CheckQuorum
    /\ state[i] = "Leader"
    /\ IF IsQuorum(recentlyActive[i] \cup {i}, Config(i))
       THEN /\ recentlyActive' = [recentlyActive EXCEPT ![i] = {}]
            /\ UNCHANGED <<state, votesGranted, nextIndex, matchIndex, readRound,
                           pendingRead>>
       ELSE ResetRole(i, "Follower")
    /\ UNCHANGED <<durableVars, commitIndex, heardFromLeader, msgs, ghostVars>>

\* AdvanceCommitIndex(i): with CommitOnTick, leader i commits on a timer
\* tick what a quorum of its configuration stores (the other leader steps
\* then only store entries and learn matches).  A tick with nothing to
\* commit is no step.
AdvanceCommitIndex(i) ==
    /\ CommitOnTick
    /\ state[i] = "Leader"
    /\ CommitTarget(i, currentTerm[i], log[i], matchIndex[i]) > commitIndex[i]
    /\ CommitUpTo(i, currentTerm[i], log[i], matchIndex[i])
    /\ UNCHANGED <<durableVars, state, votesGranted, heardFromLeader, leaderVars, msgs,
                   readStart, servedReads>>

-----------------------------------------------------------------------------
(* Elections.                                                              *)

\* HandlePreVoteRequest(i, m): i answers a pre-vote.  It never changes its
\* own term or vote for one.  Granted iff the asked-for term is newer than
\* i's and the candidate's log is up to date; ignored (no answer) while i
\* is in lease.
HandlePreVoteRequest(i, m) ==
    /\ InFlight(m, "PreVoteRequest", i)
    /\ IF m.term > currentTerm[i] /\ InLease(i)
       THEN msgs' = Discard(m)
       ELSE LET grant == /\ m.term > currentTerm[i]
                         /\ \/ Bug = "NoElectionRestriction"
                            \/ UpToDate(m.lastLogTerm, m.lastLogIndex,
                                        LastTerm(log[i]), Len(log[i]))
            IN msgs' = Reply(m, [type |-> "PreVoteResponse",
                                 term |-> IF grant THEN m.term ELSE currentTerm[i],
                                 source |-> i, dest |-> m.source, granted |-> grant])
    /\ UNCHANGED <<durableVars, volatileVars, ghostVars>>

\* HandlePreVoteResponse(i, m): a refusal from a newer term makes i a
\* follower of that term; a grant for the round i is running counts, and a
\* quorum of grants starts the real election in the same step.
HandlePreVoteResponse(i, m) ==
    /\ InFlight(m, "PreVoteResponse", i)
    /\ IF m.term > currentTerm[i] /\ ~m.granted
       THEN /\ StepDown(i, m.term)
            /\ msgs' = Discard(m)
            /\ UNCHANGED <<log, commitIndex, ghostVars>>
       ELSE IF state[i] = "PreCandidate" /\ m.term = currentTerm[i] + 1 /\ m.granted
       THEN LET votes == votesGranted[i] \cup {m.source}
            IN IF IsQuorum(votes, Config(i))
               THEN Campaign(i, Discard(m))
               ELSE /\ votesGranted' = [votesGranted EXCEPT ![i] = votes]
                    /\ msgs' = Discard(m)
                    /\ UNCHANGED <<durableVars, state, commitIndex, heardFromLeader,
                                   leaderVars, ghostVars>>
       ELSE /\ msgs' = Discard(m)
            /\ UNCHANGED <<durableVars, volatileVars, ghostVars>>

\* HandleRequestVoteRequest(i, m): i votes.  A newer term makes i a
\* follower of it first (unless i is in lease, when the request is ignored).
\* One vote per term; only for a log at least as up to date as i's.
HandleRequestVoteRequest(i, m) ==
    /\ InFlight(m, "RequestVoteRequest", i)
    /\ IF m.term > currentTerm[i] /\ InLease(i)
       THEN /\ msgs' = Discard(m)
            /\ UNCHANGED <<durableVars, volatileVars, ghostVars>>
       ELSE LET newer == m.term > currentTerm[i]
                term == Max(m.term, currentTerm[i])
                vote == IF newer THEN Nil ELSE votedFor[i]
                grant == /\ m.term = term
                         /\ vote \in {Nil, m.source}
                         /\ \/ Bug = "NoElectionRestriction"
                            \/ UpToDate(m.lastLogTerm, m.lastLogIndex,
                                        LastTerm(log[i]), Len(log[i]))
            IN /\ IF newer
                  THEN /\ heardFromLeader' = [heardFromLeader EXCEPT ![i] = FALSE]
                       /\ ResetRole(i, "Follower")
                  ELSE UNCHANGED <<state, votesGranted, heardFromLeader, leaderVars>>
               /\ currentTerm' = [currentTerm EXCEPT ![i] = term]
               /\ votedFor' = [votedFor EXCEPT ![i] = IF grant THEN m.source ELSE vote]
               /\ msgs' = Reply(m, [type |-> "RequestVoteResponse", term |-> term,
                                    source |-> i, dest |-> m.source, granted |-> grant])
               /\ UNCHANGED <<log, commitIndex, ghostVars>>

\* HandleRequestVoteResponse(i, m): a newer term makes i a follower; a
\* grant in i's current election counts, and the vote that completes a
\* quorum of i's configuration makes i leader in the same step.
HandleRequestVoteResponse(i, m) ==
    /\ InFlight(m, "RequestVoteResponse", i)
    /\ IF m.term > currentTerm[i]
       THEN /\ StepDown(i, m.term)
            /\ msgs' = Discard(m)
            /\ UNCHANGED <<log, commitIndex, ghostVars>>
       ELSE IF state[i] = "Candidate" /\ m.term = currentTerm[i] /\ m.granted
       THEN LET votes == votesGranted[i] \cup {m.source}
            IN /\ IF IsQuorum(votes, Config(i))
                  THEN BecomeLeader(i, currentTerm[i])
                  ELSE /\ votesGranted' = [votesGranted EXCEPT ![i] = votes]
                       /\ UNCHANGED <<state, log, commitIndex, leaderVars, committed>>
               /\ msgs' = Discard(m)
               /\ UNCHANGED <<currentTerm, votedFor, heardFromLeader,
                              readStart, servedReads>>
       ELSE /\ msgs' = Discard(m)
            /\ UNCHANGED <<durableVars, volatileVars, ghostVars>>

-----------------------------------------------------------------------------
(* Replication.                                                            *)

\* ClientRequest(i, v): leader i appends a client's value (and commits at
\* once if it alone is a quorum, unless CommitOnTick).
ClientRequest(i, v) ==
    /\ state[i] = "Leader"
    /\ LET lg == Append(log[i], [term |-> currentTerm[i], kind |-> "Value", value |-> v])
       IN /\ log' = [log EXCEPT ![i] = lg]
          /\ LeaderCommit(i, currentTerm[i], lg, matchIndex[i])
    /\ UNCHANGED <<currentTerm, votedFor, state, votesGranted, heardFromLeader,
                   leaderVars, msgs, readStart, servedReads>>

\* AppendEntries(i, j): leader i sends j the entries from nextIndex[i][j]
\* on, at most BatchSize of them (none: a heartbeat), its commit index, and
\* its current read round.  With Pipeline it counts on their arrival and
\* moves nextIndex[i][j] past them (etcd's replicate state); without, only
\* a response moves it.
AppendEntries(i, j) ==
    /\ state[i] = "Leader"
    /\ j \in Config(i) \ {i}
    /\ LET prev == nextIndex[i][j] - 1
           last == Min(Len(log[i]), prev + BatchSize)
       IN /\ msgs' = Send({[type |-> "AppendEntriesRequest", term |-> currentTerm[i],
                            source |-> i, dest |-> j, prevLogIndex |-> prev,
                            prevLogTerm |-> TermAt(log[i], prev),
                            entries |-> SubSeq(log[i], prev + 1, last),
                            commitIndex |-> commitIndex[i], ctx |-> readRound[i]]})
          /\ IF Pipeline THEN nextIndex' = [nextIndex EXCEPT ![i][j] = last + 1]
                          ELSE UNCHANGED nextIndex
    /\ UNCHANGED <<durableVars, state, commitIndex, votesGranted, heardFromLeader,
                   matchIndex, recentlyActive, readRound, pendingRead, ghostVars>>

\* The log a follower keeps after accepting entries ents after index prev:
\* it truncates only at the first real conflict (same index, other term)
\* and appends what it lacks; entries it already has stay.
MergeEntries(lg, prev, ents) ==
    LET new == {k \in 1..Len(ents) : \/ prev + k > Len(lg)
                                     \/ lg[prev + k].term # ents[k].term}
    IN IF Bug = "TruncateWithoutConflict"
       THEN SubSeq(lg, 1, prev) \o ents
       ELSE IF new = {} THEN lg
       ELSE LET k == CHOOSE x \in new : \A y \in new : x <= y
            IN SubSeq(lg, 1, prev + k - 1) \o SubSeq(ents, k, Len(ents))

\* Where a follower whose log lg fails the consistency check at prev
\* suggests the leader continue: its last index if its log is shorter,
\* else (RejectHint "Term") just before the first entry of the conflicting
\* term, so that the whole term is skipped at once (Raft paper 5.3; terms
\* in a log never decrease, so that entry is the least index holding the
\* same term), or ("Entry") one entry back, the paper's Figure 2.
ConflictHint(lg, prev) ==
    IF prev > Len(lg) THEN Len(lg)
    ELSE IF RejectHint = "Entry" THEN prev - 1
    ELSE LET k == CHOOSE x \in 1..prev : /\ lg[x].term = lg[prev].term
                                         /\ \A y \in 1..(x - 1) : lg[y].term # lg[prev].term
         IN k - 1

\* HandleAppendEntriesRequest(i, m): a stale leader is told the newer term.
\* Otherwise i follows m's sender in m's term (a newer term resets its
\* vote), notes it heard from the leader, and checks that its log holds
\* m.prevLogIndex with m.prevLogTerm.  On success it merges the entries,
\* raises its commit index to Min(m.commitIndex, last new index) (never
\* lowering it) and reports how far it matches; on failure it answers
\* the hint ConflictHint.
HandleAppendEntriesRequest(i, m) ==
    /\ InFlight(m, "AppendEntriesRequest", i)
    /\ IF m.term < currentTerm[i]
       THEN /\ msgs' = Reply(m, [type |-> "AppendEntriesResponse", term |-> currentTerm[i],
                                 source |-> i, dest |-> m.source, success |-> FALSE,
                                 matchIndex |-> 0, ctx |-> m.ctx])
            /\ UNCHANGED <<durableVars, volatileVars, ghostVars>>
       ELSE LET lg == log[i]
                ok == \/ m.prevLogIndex = 0
                      \/ /\ m.prevLogIndex <= Len(lg)
                         /\ \/ lg[m.prevLogIndex].term = m.prevLogTerm
                            \/ Bug = "NoConsistencyCheck"
                lastNew == m.prevLogIndex + Len(m.entries)
                commit == IF Bug = "PaperCommitRule"
                          THEN IF m.commitIndex > commitIndex[i]
                               THEN Min(m.commitIndex, lastNew) ELSE commitIndex[i]
                          ELSE Max(commitIndex[i], Min(m.commitIndex, lastNew))
            IN /\ IF m.term > currentTerm[i]
                  THEN /\ currentTerm' = [currentTerm EXCEPT ![i] = m.term]
                       /\ votedFor' = [votedFor EXCEPT ![i] = Nil]
                  ELSE UNCHANGED <<currentTerm, votedFor>>
               /\ ResetRole(i, "Follower")
               /\ heardFromLeader' = [heardFromLeader EXCEPT ![i] = Sticky]
               /\ IF ok
                  THEN /\ log' = [log EXCEPT ![i] = MergeEntries(lg, m.prevLogIndex, m.entries)]
                       /\ commitIndex' = [commitIndex EXCEPT ![i] = commit]
                       /\ msgs' = Reply(m, [type |-> "AppendEntriesResponse",
                                            term |-> m.term, source |-> i,
                                            dest |-> m.source, success |-> TRUE,
                                            matchIndex |-> lastNew, ctx |-> m.ctx])
                  ELSE /\ msgs' = Reply(m, [type |-> "AppendEntriesResponse",
                                            term |-> m.term, source |-> i,
                                            dest |-> m.source, success |-> FALSE,
                                            matchIndex |-> ConflictHint(lg, m.prevLogIndex),
                                            ctx |-> m.ctx])
                       /\ UNCHANGED <<log, commitIndex>>
               /\ UNCHANGED ghostVars

\* HandleAppendEntriesResponse(i, m): a newer term makes i a follower.  A
\* response of leader i's own term marks the sender active and, if it
\* answers the current read round, acknowledges the pending read.  Success
\* raises the match index and the next index (with RewindOnSuccess, a
\* success that raises the match index sets the next index just after it,
\* so that what is still in flight is sent again) and commits what a
\* quorum now stores (unless CommitOnTick); failure moves nextIndex back to
\* just after the follower's hint, but never below matchIndex + 1 (and,
\* without Pipeline, at least one entry back: nextIndex then is the index
\* the rejected request probed).
HandleAppendEntriesResponse(i, m) ==
    /\ InFlight(m, "AppendEntriesResponse", i)
    /\ msgs' = Discard(m)
    /\ IF m.term > currentTerm[i]
       THEN /\ StepDown(i, m.term)
            /\ UNCHANGED <<log, commitIndex, ghostVars>>
       ELSE IF m.term = currentTerm[i] /\ state[i] = "Leader"
       THEN LET j == m.source
                mi == [matchIndex[i] EXCEPT ![j] = Max(@, m.matchIndex)]
            IN /\ recentlyActive' = [recentlyActive EXCEPT ![i] =
                                        IF CheckQuorum THEN @ \cup {j} ELSE @]
               /\ pendingRead' = [pendingRead EXCEPT ![i] =
                     IF @ # Nil /\ m.ctx = readRound[i]
                     THEN [@ EXCEPT !.acks = @ \cup {j}] ELSE @]
               /\ IF m.success
                  THEN /\ matchIndex' = [matchIndex EXCEPT ![i] = mi]
                       /\ nextIndex' = [nextIndex EXCEPT ![i][j] =
                             IF RewindOnSuccess /\ m.matchIndex > matchIndex[i][j]
                             THEN m.matchIndex + 1 ELSE Max(@, m.matchIndex + 1)]
                       /\ LeaderCommit(i, currentTerm[i], log[i], mi)
                  ELSE /\ nextIndex' = [nextIndex EXCEPT ![i][j] =
                             Max(matchIndex[i][j] + 1,
                                 Min(IF Pipeline THEN @ ELSE @ - 1, m.matchIndex + 1))]
                       /\ UNCHANGED <<matchIndex, commitIndex, committed>>
               /\ UNCHANGED <<durableVars, state, votesGranted, heardFromLeader,
                              readRound, readStart, servedReads>>
       ELSE UNCHANGED <<durableVars, volatileVars, ghostVars>>

-----------------------------------------------------------------------------
(* Membership: one server at a time, through configuration entries.       *)

\* A leader may change its configuration only once it has committed an
\* entry of its own term and while no configuration entry is uncommitted.
CanChangeConfig(i) ==
    /\ state[i] = "Leader"
    /\ TermAt(log[i], commitIndex[i]) = currentTerm[i]
    /\ \/ Bug = "ConcurrentConfigChanges"
       \/ ~\E k \in (commitIndex[i] + 1)..Len(log[i]) : log[i][k].kind = "Config"

\* The leader appends the new configuration; it takes effect at once.
ChangeConfig(i, new) ==
    LET lg == Append(log[i], [term |-> currentTerm[i], kind |-> "Config", value |-> new])
    IN /\ log' = [log EXCEPT ![i] = lg]
       /\ LeaderCommit(i, currentTerm[i], lg, matchIndex[i])
       /\ UNCHANGED <<currentTerm, votedFor, state, votesGranted, heardFromLeader,
                      leaderVars, msgs, readStart, servedReads>>

\* AddServer(i, j): leader i adds server j.
AddServer(i, j) ==
    /\ CanChangeConfig(i)
    /\ j \notin Config(i)
    /\ ChangeConfig(i, Config(i) \cup {j})

\* RemoveServer(i, j): leader i removes another server j (a leader does not
\* remove itself; transfer leadership first).
RemoveServer(i, j) ==
    /\ CanChangeConfig(i)
    /\ j \in Config(i) \ {i}
    /\ ChangeConfig(i, Config(i) \ {j})

-----------------------------------------------------------------------------
(* Linearizable reads by ReadIndex (thesis 6.4).                           *)

\* ClientRead(i): leader i, having committed an entry of its own term,
\* records its commit index as the read index and opens a new read round;
\* its own acknowledgement counts.  One read at a time.
ClientRead(i) ==
    /\ state[i] = "Leader"
    /\ pendingRead[i] = Nil
    /\ TermAt(log[i], commitIndex[i]) = currentTerm[i]
    /\ readRound' = [readRound EXCEPT ![i] = @ + 1]
    /\ pendingRead' = [pendingRead EXCEPT ![i] = [index |-> commitIndex[i], acks |-> {i}]]
    /\ readStart' = [readStart EXCEPT ![i] = CommittedLen]
    /\ UNCHANGED <<durableVars, state, commitIndex, votesGranted, heardFromLeader,
                   nextIndex, matchIndex, recentlyActive, msgs, committed, servedReads>>

\* ServeRead(i): once a quorum of i's configuration acknowledged the read
\* round (answered a request sent after the read began) and i has applied
\* up to the read index, i answers with the register's value there.
ServeRead(i) ==
    /\ state[i] = "Leader"
    /\ pendingRead[i] # Nil
    /\ IsQuorum(pendingRead[i].acks, Config(i)) \/ Bug = "ReadWithoutQuorum"
    /\ commitIndex[i] >= pendingRead[i].index
    /\ pendingRead' = [pendingRead EXCEPT ![i] = Nil]
    /\ servedReads' = servedReads \cup
          {[start |-> readStart[i], index |-> pendingRead[i].index,
            value |-> StateAt(log[i], pendingRead[i].index)]}
    /\ UNCHANGED <<durableVars, state, commitIndex, votesGranted, heardFromLeader,
                   nextIndex, matchIndex, recentlyActive, readRound, msgs,
                   committed, readStart>>

\* ClientReply(i, k): server i tells the client whose write is the entry at
\* index k of its log that the write is done.  It changes nothing and is no
\* step of Next: an implementation's trace reports it where it answers, and
\* the validator checks that the spec allows the answer there, i.e. that
\* the entry is committed at i (an answer before that is a lost write
\* waiting for a crash).
ClientReply(i, k) ==
    /\ k \in 1..commitIndex[i]
    /\ log[i][k].kind = "Value"
    /\ UNCHANGED vars

-----------------------------------------------------------------------------
(* Faults.                                                                 *)

\* Restart(i): i crashes and recovers with its durable state only.  With
\* DurableCommitIndex it recovers a commit index it persisted: the last one,
\* or an older one if it persists lazily (PySyncObj: once a second).
Restart(i) ==
    /\ state' = [state EXCEPT ![i] = "Follower"]
    /\ IF DurableCommitIndex
       THEN \E c \in 0..commitIndex[i] : commitIndex' = [commitIndex EXCEPT ![i] = c]
       ELSE commitIndex' = [commitIndex EXCEPT ![i] = 0]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {}]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = NoNext]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = NoMatch]
    /\ recentlyActive' = [recentlyActive EXCEPT ![i] = {}]
    /\ heardFromLeader' = [heardFromLeader EXCEPT ![i] = FALSE]
    /\ readRound' = [readRound EXCEPT ![i] = 0]
    /\ pendingRead' = [pendingRead EXCEPT ![i] = Nil]
    /\ IF Bug = "ForgetVoteOnRestart"
       THEN votedFor' = [votedFor EXCEPT ![i] = Nil]
       ELSE UNCHANGED votedFor
    /\ UNCHANGED <<currentTerm, log, msgs, ghostVars>>

\* DropMessage(m): the network loses one copy of m.
DropMessage(m) ==
    /\ BagIn(m, msgs)
    /\ msgs' = Discard(m)
    /\ UNCHANGED <<durableVars, volatileVars, ghostVars>>

\* DuplicateMessage(m): the network delivers m once more than it was sent.
DuplicateMessage(m) ==
    /\ BagIn(m, msgs)
    /\ msgs' = Send({m})
    /\ UNCHANGED <<durableVars, volatileVars, ghostVars>>

-----------------------------------------------------------------------------
(* The specification.                                                      *)

\* TLC names a step by the operator applied when its arguments are constant
\* (Timeout(s1)); a quantifier over the messages in flight is not, so each
\* kind of delivery has a wrapper that names it in TLC's traces.  A trace of
\* an implementation names the handler and binds its message instead.
ReceivePreVoteRequest == \E m \in BagToSet(msgs) : HandlePreVoteRequest(m.dest, m)
ReceivePreVoteResponse == \E m \in BagToSet(msgs) : HandlePreVoteResponse(m.dest, m)
ReceiveRequestVoteRequest == \E m \in BagToSet(msgs) : HandleRequestVoteRequest(m.dest, m)
ReceiveRequestVoteResponse == \E m \in BagToSet(msgs) : HandleRequestVoteResponse(m.dest, m)
ReceiveAppendEntriesRequest == \E m \in BagToSet(msgs) : HandleAppendEntriesRequest(m.dest, m)
ReceiveAppendEntriesResponse == \E m \in BagToSet(msgs) : HandleAppendEntriesResponse(m.dest, m)

ServerNext ==
    \E i \in Server :
        \/ Timeout(i)
        \/ CheckQuorumTick(i)
        \/ AdvanceCommitIndex(i)
        \/ ClientRead(i)
        \/ ServeRead(i)
        \/ \E v \in Value : ClientRequest(i, v)
        \/ \E j \in Server : \/ AppendEntries(i, j)
                             \/ AddServer(i, j)
                             \/ RemoveServer(i, j)

ReceiveNext ==
    \/ ReceivePreVoteRequest
    \/ ReceivePreVoteResponse
    \/ ReceiveRequestVoteRequest
    \/ ReceiveRequestVoteResponse
    \/ ReceiveAppendEntriesRequest
    \/ ReceiveAppendEntriesResponse

FaultNext ==
    \/ \E i \in Server : Restart(i)
    \/ \E m \in BagToSet(msgs) : DropMessage(m) \/ DuplicateMessage(m)

Next == ServerNext \/ ReceiveNext \/ FaultNext

Spec == Init /\ [][Next]_vars

\* What a model explores: every server action and delivery, and the kinds of
\* fault listed in Faults.  (The fault kinds are filtered through the
\* quantifiers' domains so that TLC still names each step.)
CrashableServer == IF "Restart" \in Faults THEN Server ELSE {}
LossyMessage == IF "Drop" \in Faults THEN BagToSet(msgs) ELSE {}
DuplicableMessage == IF "Duplicate" \in Faults THEN BagToSet(msgs) ELSE {}
Drop == \E m \in LossyMessage : DropMessage(m)
Duplicate == \E m \in DuplicableMessage : DuplicateMessage(m)

ModelNext ==
    \/ ServerNext
    \/ ReceiveNext
    \/ \E i \in CrashableServer : Restart(i)
    \/ Drop
    \/ Duplicate

ModelSpec == Init /\ [][ModelNext]_vars

StateConstraint ==
    /\ \A i \in Server : /\ currentTerm[i] <= MaxTerm
                         /\ Len(log[i]) <= MaxLogLen
                         /\ readRound[i] <= MaxReads
    /\ BagCardinality(msgs) <= MaxInFlight
    /\ \A m \in BagToSet(msgs) : CopiesIn(m, msgs) <= MaxCopies

\* Servers are interchangeable within the initial configuration and
\* within the rest; a model may use this set as its SYMMETRY.
Symmetry == Permutations(InitialConfig) \cup Permutations(Server \ InitialConfig)

-----------------------------------------------------------------------------
(* Invariants.                                                             *)

TypeOK ==
    /\ currentTerm \in [Server -> Nat]
    /\ votedFor \in [Server -> Server \cup {Nil}]
    /\ log \in [Server -> Seq(Entry)]
    /\ state \in [Server -> Roles]
    /\ commitIndex \in [Server -> Nat]
    /\ votesGranted \in [Server -> SUBSET Server]
    /\ nextIndex \in [Server -> [Server -> Nat \ {0}]]
    /\ matchIndex \in [Server -> [Server -> Nat]]
    /\ recentlyActive \in [Server -> SUBSET Server]
    /\ heardFromLeader \in [Server -> BOOLEAN]
    /\ readRound \in [Server -> Nat]
    /\ \A i \in Server : pendingRead[i] = Nil \/
            pendingRead[i] \in [index: Nat, acks: SUBSET Server]
    /\ DOMAIN msgs \subseteq Message
    /\ \A m \in DOMAIN msgs : msgs[m] \in Nat \ {0}
    /\ \A i \in Server : commitIndex[i] <= Len(log[i])
    /\ committed \subseteq [index: Nat \ {0}, entry: Entry, term: Nat, config: SUBSET Server]
    /\ readStart \in [Server -> Nat]
    /\ servedReads \subseteq [start: Nat, index: Nat, value: Value \cup {Nil}]

\* At most one leader per term.
ElectionSafety ==
    \A i, j \in Server :
        state[i] = "Leader" /\ state[j] = "Leader" /\ currentTerm[i] = currentTerm[j]
            => i = j

\* Two logs with an entry of the same term at the same index agree on
\* every entry up to it.  (Stated so that checking it takes time linear in
\* the logs: two logs that agree up to the shorter one's end are done at
\* once; otherwise entry by entry, where the same term at n means the same
\* entry at n and the same term at n - 1, hence, down to 1, the same prefix.)
LogMatching ==
    \A i, j \in Server :
        LET k == Min(Len(log[i]), Len(log[j]))
        IN \/ SubSeq(log[i], 1, k) = SubSeq(log[j], 1, k)
           \/ \A n \in 1..k :
                 log[i][n].term = log[j][n].term =>
                     /\ log[i][n] = log[j][n]
                     /\ n > 1 => log[i][n - 1].term = log[j][n - 1].term

\* A committed entry is in the log of every leader of its term or later.
LeaderCompleteness ==
    \A c \in committed : \A i \in Server :
        state[i] = "Leader" /\ currentTerm[i] >= c.term =>
            c.index <= Len(log[i]) /\ log[i][c.index] = c.entry

\* No two different entries are ever committed at one index (an index
\* determines the entry), and whatever a server holds as committed was
\* committed.  (Stated through the set of pairs, so that checking it takes
\* time linear in what was committed.)
StateMachineSafety ==
    LET pairs == {<<c.index, c.entry>> : c \in committed}
    IN /\ Cardinality({p[1] : p \in pairs}) = Cardinality(pairs)
       /\ \A i \in Server : \A n \in 1..commitIndex[i] : <<n, log[i][n]>> \in pairs

\* A committed entry stays stored on a quorum of the configuration that
\* committed it.
CommittedOnQuorum ==
    \A c \in committed :
        IsQuorum({j \in Server : c.index <= Len(log[j]) /\ log[j][c.index] = c.entry},
                 c.config)

\* The committed log, by the ghost record, up to index n.
CommittedPrefix(n) == [k \in 1..n |-> (CHOOSE c \in committed : c.index = k).entry]

\* Every read answered the register at an index no older than everything
\* committed when the read began, at a committed index.
ReadLinearizable ==
    LET indexes == {c.index : c \in committed}
    IN \A r \in servedReads :
        /\ r.index >= r.start
        /\ \A n \in 1..r.index : n \in indexes
        /\ r.value = StateAt(CommittedPrefix(r.index), r.index)

\* A leader belongs to its own configuration (it never removes itself).
LeaderInConfig == \A i \in Server : state[i] = "Leader" => i \in Config(i)

Invariants ==
    /\ TypeOK /\ ElectionSafety /\ LogMatching /\ LeaderCompleteness
    /\ StateMachineSafety /\ CommittedOnQuorum /\ ReadLinearizable /\ LeaderInConfig

-----------------------------------------------------------------------------
(* Action properties.                                                      *)

\* Terms never decrease, not even across a restart.
MonotonicTerm == [][\A i \in Server : currentTerm'[i] >= currentTerm[i]]_vars

\* A commit index never decreases, except that a restart forgets it.
MonotonicCommitIndex ==
    [][\A i \in Server : commitIndex'[i] >= commitIndex[i] \/ Restart(i)]_vars

\* A leader only appends to its log while it leads.
LeaderAppendOnly ==
    [][\A i \in Server :
          state[i] = "Leader" /\ state'[i] = "Leader" =>
              SubSeq(log'[i], 1, Len(log[i])) = log[i]]_vars

\* Once committed, an entry stays committed: the ghost record only grows.
CommittedStable == [][committed \subseteq committed']_vars
=============================================================================
