"""Terminal rendering: Rich tables and text for people; builders and services never print."""
