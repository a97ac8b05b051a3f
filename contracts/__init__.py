"""Contract checks: does a server answer as the provider's documentation says?"""
