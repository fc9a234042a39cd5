"""Services: plain functions over a database URL and a LeetCode client, free of Celery."""
