"""Call control: the Stasis application and its per-call state machine, call takers'
commands (take, hold, transfer, three-way, call-back), recordings, the call store and
the ``/api/v1/calls`` routes."""
