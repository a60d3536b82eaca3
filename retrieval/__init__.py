"""督导助手 retrieval engine: circulars → chunks → hybrid index → cited answers."""
