"""The api key module."""
