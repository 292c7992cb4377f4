"""Everything that speaks to national SP4N-LAPOR!: wire models, the client, and its mock."""
