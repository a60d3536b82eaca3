"""Telegram adapter: handlers, message formatting, rate limits and the Application (serve)."""
