"""Plain, serialisable types shared by the API, the workflows, the activities and the sandbox.

Nothing here touches the database or the network, so workflows may import it freely.
"""
