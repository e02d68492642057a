"""The API's resources, each as a sync class and its async twin over the same call builders."""
