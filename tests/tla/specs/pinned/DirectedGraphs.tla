---- MODULE DirectedGraphs ----
\* The community module Graphs (release 202412190202): a graph that grows an edge a step,
\* and what the module's operators say of it at each step.
EXTENDS Naturals, FiniteSets, Sequences, Graphs
Nodes == {1, 2, 3}
VARIABLE E
G == [node |-> Nodes, edge |-> E]
Init == E = {}
Next == \E m, n \in Nodes : m # n /\ <<m, n>> \notin E /\ Cardinality(E) < 3
                            /\ E' = E \cup {<<m, n>>}
Inv == /\ IsDirectedGraph(G)
       /\ ~IsDirectedGraph([node |-> {1}, edge |-> {<<1, 2>>}])
       /\ ~IsDirectedGraph([node |-> {1}, edge |-> {}, label |-> "a"])
       /\ Transpose(Transpose(G)) = G
       /\ \A m, n \in Nodes : AreConnectedIn(m, n, G) <=> ConnectionsIn(G)[m, n]
       /\ \A m, n \in Nodes : AreConnectedIn(m, n, G) <=>
                                \E p \in SimplePath(G) : p[1] = m /\ p[Len(p)] = n
       /\ IsStronglyConnected(G) <=> \A m, n \in Nodes : ConnectionsIn(G)[m, n]
       /\ IsTreeWithRoot(G, 1) <=>
            /\ \A e \in E : e[1] # 1 /\ \A f \in E : e[1] = f[1] => e = f
            /\ \A n \in Nodes : AreConnectedIn(n, 1, G)
       /\ IsTreeWithRoot([node |-> {}, edge |-> {}], 7)
       /\ <<1>> \in Path(G) /\ (<<1, 2>> \in Path(G) <=> <<1, 2>> \in E)
       /\ SimplePath(G) \subseteq Path(G)
       /\ IsUndirectedGraph(G) <=> \A e \in E : <<e[2], e[1]>> \in E
       /\ Cardinality(DirectedSubgraph([node |-> {1, 2}, edge |-> {<<1, 2>>}])) = 5
       /\ Cardinality(UndirectedSubgraph([node |-> {1, 2}, edge |-> {<<1, 2>>, <<2, 1>>}]))
            = 5
====
