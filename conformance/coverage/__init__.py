"""Spec coverage of conformance campaigns: what the implementation's runs reached in the spec.

* :mod:`.spec`: the spec's actions (the definitions its next-state relation applies, the names
  trace events give) and their branches, from the spec as parsed;
* :mod:`.record`: what a campaign's runs reached, counted as the validator checks each step
  (actions, branches, distinct spec states, and (state, action) pairs), mergeable across the
  slices of a campaign;
* :mod:`.models`: the state graphs of the small models (the CI models of
  ``specs/manifest.json``), enumerated by the embedded engine once and cached, against which
  the states and transitions a campaign reached are measured;
* :mod:`.report`: the summary printed by ``conform run`` and saved beside its results.
"""
