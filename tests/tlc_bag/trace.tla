---- MODULE trace ----
LOCAL INSTANCE TLC

CounterExample == 
	[action |-> {<<<<1, [msgs |-> <<>>]>>, [name |-> "Send", location |-> [beginLine |-> 6, beginColumn |-> 12, endLine |-> 6, endColumn |-> 97, module |-> "Bag"], context |-> [n |-> a], parameters |-> <<"n">>], <<2, [msgs |-> ([type |-> "ping", to |-> a, bal |-> 0] :> 1)]>>>>, <<<<2, [msgs |-> ([type |-> "ping", to |-> a, bal |-> 0] :> 1)]>>, [name |-> "Send", location |-> [beginLine |-> 6, beginColumn |-> 12, endLine |-> 6, endColumn |-> 97, module |-> "Bag"], context |-> [n |-> a], parameters |-> <<"n">>], <<3, [msgs |-> ([type |-> "ping", to |-> a, bal |-> 0] :> 1 @@ [type |-> "ping", to |-> a, bal |-> 1] :> 1)]>>>>}, state |-> {<<1, [msgs |-> <<>>]>>, <<2, [msgs |-> ([type |-> "ping", to |-> a, bal |-> 0] :> 1)]>>, <<3, [msgs |-> ([type |-> "ping", to |-> a, bal |-> 0] :> 1 @@ [type |-> "ping", to |-> a, bal |-> 1] :> 1)]>>}]

====