"""Recording a provider, and drift: where the mock answers differently from the recording."""
