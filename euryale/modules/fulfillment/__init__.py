"""The fulfillment module."""
